"""The live SMTP endpoint's status box (lab overview and Received mail page)."""

from django import template

from connectors.smtpstore import running_endpoints

register = template.Library()


@register.inclusion_tag("connectors/smtp_endpoint_status.html")
def smtp_endpoint_status(lab, link=True):
    """Whether `manage.py smtpserve` runs for the lab (a fresh heartbeat), how to reach it, how to start one."""
    server = lab.servers.order_by("name").values_list("name", "ip_addresses").first()
    name, addresses = server if server else ("EX01", "10.0.0.10")
    ip = (addresses or "10.0.0.10").split(",")[0].strip()
    return {
        "lab": lab,
        "endpoints": list(running_endpoints(lab)),
        "received": lab.received_messages.count(),
        "link": link,
        "start": f"manage.py smtpserve {lab.slug} --server {name} --listen 127.0.0.1:2525={ip}:25 "
        f"--listen 127.0.0.1:2587={ip}:587",
    }
