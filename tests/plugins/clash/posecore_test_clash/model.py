"""A second provider of ``TinyRegressor``."""
from torch import nn


class ClashRegressor(nn.Module):
    """Same name as the tiny plugin's model, different class."""
