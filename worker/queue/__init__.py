"""The queue room: jobs on Dramatiq and Redis, and their bookkeeping.

The broker and its middleware (broker, lifecycle, presence, metrics, prometheus), the
embedded Redis, the job schema (jobs), the actors and what each job does (actors,
effects), running a job exactly once in effect (runner) over the jobs' records in Redis
(status, claims, results), structured logs, putting jobs on the queue (submit) and
planning batches of them over stored recordings (batch). It calls the other rooms; none
calls it.
"""
