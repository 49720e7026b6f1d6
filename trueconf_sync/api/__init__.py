"""API layer: the one method table (wire name, payload builder, result parser), the argument checks,
the typed models of everything the server sends and the one converter that builds them.
"""
