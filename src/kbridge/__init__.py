"""kbridge: keep out-of-tree Linux kernel drivers building on every kernel.

The package is laid out by what each part knows or does:

* ``kbridge.facts``     -- facts about kernels and drivers (build trees, the
  corpus, API indexes, what a driver uses);
* ``kbridge.knowledge`` -- rules: how kernel APIs changed and how to bridge them;
* ``kbridge.actions``   -- things kbridge does (build, probe, bridge, run, prune);
* ``kbridge.reports``   -- turning results into tables, JSON and SARIF;
* ``kbridge.cli``       -- the command line, the only part that prints or exits.

Every library function takes typed values and raises
:class:`kbridge.errors.KbridgeError` for bad input.
"""

__version__ = "0.1.0"
