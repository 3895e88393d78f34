"""irodori for Krita: a docker that colours the line layer from the dots on a hint layer.

It talks to a running ``irodori serve`` over HTTP (or starts one) and adds the flats, and the shading
layers when the server shades, as a group under the lines. It imports nothing of irodori: only Krita's
Python, PyQt5 and the standard library. Install: Tools > Scripts > Import Python Plugin from File
(the zip from ``make krita-plugin``), restart Krita, Settings > Dockers > irodori.
"""

try:
    from krita import DockWidgetFactory, DockWidgetFactoryBase, Krita
except ImportError:  # imported outside Krita (tests of the HTTP client): nothing to register
    Krita = None

if Krita is not None:
    from .docker import IrodoriDocker

    Krita.instance().addDockWidgetFactory(
        DockWidgetFactory("irodori_docker", DockWidgetFactoryBase.DockRight, IrodoriDocker))
