"""Cluster mode: many worker machines archive many sources together through Celery and Redis.

A task is one source's crawl or backfill; a worker runs it as the ordinary `archiver` command
in a child process (Scrapy's reactor cannot restart inside one process). Redis is the broker
and also holds what Celery does not keep reliably for us: a lock per host (politeness across
the cluster), each task's state, and each worker's heartbeat (`archiver.cluster.state`).
"""
