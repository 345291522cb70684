"""Debian's nginx serving a folder on a loopback port, as the reference for static file serving.

start_nginx(root, sendfile) writes a minimal configuration into a temporary prefix (one process,
`master_process off`, so "1 worker"; Debian's mime.types; no access log) and returns an Nginx once
it accepts connections. Stop it with stop() (or use it as a context manager).
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time

from wasio_server import free_port, stop_process_group

CONFIG = """daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile {sendfile};
  keepalive_requests 1000000;
  client_body_temp_path {prefix}/client_body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {root};
  }}
}}
"""


class Nginx:
    def __init__(self, root, sendfile=False, timeout_s=30):
        if shutil.which("nginx") is None:
            raise SystemExit("FAIL: nginx is not installed (apt-get install nginx)")
        self.prefix = tempfile.mkdtemp(prefix="wasio-nginx-")
        self.port = free_port()  # a small race with other processes; nginx needs a number in its config
        path = os.path.join(self.prefix, "nginx.conf")
        with open(path, "w") as f:
            f.write(CONFIG.format(prefix=self.prefix, port=self.port, root=os.path.abspath(root),
                                  sendfile="on" if sendfile else "off"))
        self.process = subprocess.Popen(["nginx", "-p", self.prefix, "-c", path], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise SystemExit(f"FAIL: nginx did not start on port {self.port} (see {self.prefix}/error.log)")

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.stop()

    def stop(self):
        stop_process_group(self.process)
        shutil.rmtree(self.prefix, ignore_errors=True)
