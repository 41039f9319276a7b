"""kbridge check: predict what breaks when a driver is built for another kernel.

One concern a module: :mod:`.checker` (the comparison of a driver's uses on two
kernels, the findings and their kinds), :mod:`.types` (canonical C types),
:mod:`.adapter` (a kernel's API from its index, and the one cache of opened
ones), :mod:`.run` (scan, pick the reference kernel, check, report). The names
below are the package's public interface.
"""

from kbridge.actions.check.adapter import APIS, ApiCache, IndexApi, open_api
from kbridge.actions.check.checker import (KIND_HELP, Finding, KernelApi, check, misses,
                                           summary)
from kbridge.actions.check.run import (CheckResult, best_against, candidate_trees, declared_as,
                                       load_driver_scan, run_check, run_scan, target_conditions)
from kbridge.actions.check.types import TypeCanon

__all__ = ["APIS", "ApiCache", "CheckResult", "Finding", "IndexApi", "KIND_HELP", "KernelApi",
           "TypeCanon", "best_against", "candidate_trees", "check", "declared_as",
           "load_driver_scan", "misses", "open_api", "run_check", "run_scan", "summary",
           "target_conditions"]
