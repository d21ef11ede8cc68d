"""The page: the Dash app factory, component ids, layout and callbacks.

The only part of the project whose modules register Dash callbacks; callbacks translate the view
model's plain update objects into Dash outputs.
"""
