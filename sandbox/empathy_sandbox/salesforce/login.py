"""Salesforce's login endpoints: SOAP ``login`` and the OAuth 2.0 token endpoint.

simple-salesforce sends these to ``https://login.salesforce.com``; a client that routes that host
to the sandbox (a ``requests`` adapter) gets a fresh session here, which is how its
refresh-on-401 path is exercised. The sandbox org has one API user with fixed credentials,
published in the info file.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from empathy_sandbox.server.accounting import SALESFORCE
from empathy_sandbox.server.runtime import Sandbox

USERNAME = "api@empathy-sandbox.example"
PASSWORD = "sandbox-password"
SECURITY_TOKEN = "SANDBOXTOKEN"
CONSUMER_KEY = "sandbox-consumer-key"
CONSUMER_SECRET = "sandbox-consumer-secret"
ORG_ID = "00D8d0000000001EAA"
USER_ID = "0058d0000000001AAA"

_FAULT = """<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope \
xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:sf="urn:fault.partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>\
<faultcode>INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, \
security token; or user locked out.</faultstring><detail><sf:LoginFault \
xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>\
<sf:exceptionMessage>Invalid username, password, security token; or user locked out.\
</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body>\
</soapenv:Envelope>"""


def credentials() -> dict:
    """What the info file publishes for the login flows."""
    return {"username": USERNAME, "password": PASSWORD, "security_token": SECURITY_TOKEN,
            "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET}


def routes(sb: Sandbox) -> list[Route]:
    async def soap_login(request: Request) -> Response:
        version = request.path_params["version"]
        body = (await request.body()).decode("utf-8", "replace")
        sb.accounting.calls[(SALESFORCE, "soap login")] += 1
        username = _unescape(_tag(body, "username"))
        password = _unescape(_tag(body, "password"))
        if username != USERNAME or password != PASSWORD + SECURITY_TOKEN:
            return Response(_FAULT, status_code=500, media_type="text/xml; charset=UTF-8")
        session = sb.new_sf_session()
        server = f"{sb.sf_base_url}/services/Soap/u/{version}/{ORG_ID[:15]}"
        xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<soapenv:Body><loginResponse><result>\
<metadataServerUrl>{sb.sf_base_url}/services/Soap/m/{version}/{ORG_ID[:15]}</metadataServerUrl>\
<passwordExpired>false</passwordExpired><sandbox>true</sandbox>\
<serverUrl>{server}</serverUrl><sessionId>{session}</sessionId><userId>{USER_ID}</userId>\
<userInfo><organizationId>{ORG_ID}</organizationId><userName>{USERNAME}</userName>\
<sessionSecondsValid>7200</sessionSecondsValid></userInfo>\
</result></loginResponse></soapenv:Body></soapenv:Envelope>"""
        return Response(xml, media_type="text/xml; charset=UTF-8")

    async def token(request: Request) -> Response:
        sb.accounting.calls[(SALESFORCE, "oauth token")] += 1
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        grant = form.get("grant_type")
        if grant == "password":
            ok = (form.get("client_id") == CONSUMER_KEY
                  and form.get("client_secret") == CONSUMER_SECRET
                  and form.get("username") == USERNAME
                  and form.get("password") in (PASSWORD, PASSWORD + SECURITY_TOKEN))
        elif grant == "client_credentials":
            ok = _basic(request) == (CONSUMER_KEY, CONSUMER_SECRET)
        else:
            return JSONResponse({"error": "unsupported_grant_type",
                                 "error_description": f"grant type not supported: {grant}"},
                                status_code=400)
        if not ok:
            return JSONResponse({"error": "invalid_grant",
                                 "error_description": "authentication failure"}, status_code=400)
        return JSONResponse({
            "access_token": sb.new_sf_session(), "instance_url": sb.sf_base_url,
            "id": f"https://login.salesforce.com/id/{ORG_ID}/{USER_ID}", "token_type": "Bearer",
            "issued_at": "1715000000000", "signature": "sandbox", "scope": "api"})

    return [Route("/services/Soap/u/{version}", soap_login, methods=["POST"]),
            Route("/services/oauth2/token", token, methods=["POST"])]


def _tag(xml: str, name: str) -> str:
    m = re.search(rf"<(?:\w+:)?{name}>(.*?)</(?:\w+:)?{name}>", xml, re.S)
    return m.group(1) if m else ""


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, secret
