"""A deterministic local replica of a VSB (博达) university news site, for tests and benchmarks.

``ReplicaSite`` generates pages and knows the truth for every article; ``ReplicaServer`` serves it
over HTTP on 127.0.0.1 (directly or as an HTTP proxy); ``FaultySite`` wraps a site with faults
(``archiver.replica.faults``); ``HostSites`` puts several
sites behind one server (``archiver.replica.hosts``); ``python -m archiver.replica`` runs one.
"""

from archiver.replica.faults import FAULTS, FaultRule, FaultTiming, FaultySite
from archiver.replica.hosts import HostSites
from archiver.replica.server import LoggedRequest, ReplicaServer
from archiver.replica.site import ArticleLayout, ReplicaArticle, ReplicaSite

__all__ = [
    "FAULTS", "ArticleLayout", "FaultRule", "FaultTiming", "FaultySite", "HostSites", "LoggedRequest", "ReplicaArticle",
    "ReplicaServer", "ReplicaSite",
]
