"""The design in millimetres: outlined text, images and cut lines, and the writers that turn it
into SVG, DXF, PDF and raster files. Everything here is y-down from the zone's top-left corner."""
