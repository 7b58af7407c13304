"""The control plane under ``/_simulator/``: one Flask blueprint per concern, each over a small interface.

:mod:`.app` composes them (and the console) into the control app; :mod:`.messages` is what every route
shares (its one body reader, its answers, its error); each other module is one blueprint and the
``Protocol`` of the simulator it needs.
"""
