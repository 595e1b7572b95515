"""gunicorn settings for Lodestar: `gunicorn -c config/gunicorn.conf.py 'lti_tool:create_app()'`.

Workers are stateless (sessions are signed cookies or launch tokens; nonces, launch data and
caches live in the database or Redis), so add workers and hosts freely.
"""

import multiprocessing
import os

bind = os.environ.get("ILP_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("ILP_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("ILP_THREADS", "2"))
timeout = 60
graceful_timeout = 30
# Behind a TLS-terminating load balancer; also set ILP_PROXY_COUNT so Flask trusts it.
forwarded_allow_ips = os.environ.get("ILP_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
# Path only (%(U)s), no query string and no Referer: links carry a launch token (``lt``),
# a bearer credential for two hours, which must not end up in logs.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
errorlog = "-"
