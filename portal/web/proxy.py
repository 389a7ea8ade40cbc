"""Several portal processes behind nginx: the ports they take, the nginx configuration for them,
and a private nginx (its own prefix folder, in the foreground) for `portal serve --proxy nginx`.

Ports are consecutive from the first backend port: N Streamlit processes, then the public page.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from portal.core.errors import ConfigError
from portal.core.settings import get_settings

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX = "/usr/sbin/nginx"


@dataclass(frozen=True)
class Layout:
    """Where each process listens."""

    workers: int
    backend_port: int
    host: str = "127.0.0.1"

    @property
    def streamlit_ports(self) -> list[int]:
        """One port per Streamlit process."""
        return [self.backend_port + n for n in range(self.workers)]

    @property
    def public_port(self) -> int:
        """The public page's process, after the Streamlit ones."""
        return self.backend_port + self.workers


def nginx_config(layout: Layout, *, listen: str = "80", server_name: str = "_", cache_dir: str = "/var/cache/nginx/portal",
                 debug: bool = False) -> str:
    """The http-block configuration for layout (upload limit from PORTAL_MAX_ATTACHMENT_MB)."""
    servers = "\n".join(f"    server {layout.host}:{port} max_fails=1 fail_timeout=5s;"
                        for port in layout.streamlit_ports)
    debug_header = "    add_header X-Portal-Upstream $upstream_addr always;  # which process answered (tests)\n" \
        if debug else ""
    values = dict(servers=servers, host=layout.host, public_port=layout.public_port, listen=listen,
                  server_name=server_name, cache_dir=cache_dir, debug_header=debug_header,
                  upload_mb=get_settings().max_attachment_mb + 1)  # +1: the upload form's own bytes
    text = TEMPLATE.read_text(encoding="utf-8")  # @name@ placeholders: nginx's own $variables stay
    for name, value in values.items():
        text = text.replace(f"@{name}@", str(value))
    return text


def nginx_binary() -> str:
    """Debian's nginx (ConfigError naming the package when it is missing)."""
    found = shutil.which("nginx") or (NGINX if Path(NGINX).exists() else None)
    if not found:
        raise ConfigError("web.error.no_nginx")
    return found


def private_nginx(layout: Layout, prefix: Path, *, listen: str, debug: bool = False) -> list[str]:
    """Write a complete nginx.conf under prefix (logs, cache and temp files there too) and return
    the command that runs it in the foreground."""
    for sub in ("logs", "cache", "temp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    conf = prefix / "nginx.conf"
    temp = prefix / "temp"
    # started as root, nginx's workers would switch to `nobody`, who may not enter the folder
    user = f"user {pwd.getpwuid(prefix.stat().st_uid).pw_name};\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'logs' / 'error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        f"http {{\n{mime}\ndefault_type application/octet-stream;\n"
        f"access_log {prefix / 'logs' / 'access.log'};\n"
        f"client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy; fastcgi_temp_path {temp}/fastcgi;\n"
        f"uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;\n"
        + nginx_config(layout, listen=listen, server_name="_", cache_dir=str(prefix / "cache"), debug=debug)
        + "\n}\n", encoding="utf-8")
    return [nginx_binary(), "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"]


def check_config(command: list[str]) -> None:
    """nginx -t on a configuration (ConfigError with nginx's words when it is refused)."""
    done = subprocess.run([*command[:5], "-t"], capture_output=True, text=True, timeout=30)
    if done.returncode:
        raise ConfigError("web.error.nginx_refused", detail=done.stderr.strip()[-400:])
