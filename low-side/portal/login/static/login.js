// Login and security key registration for the Bastion portal.
// Served from the portal itself; the pages carry no inline script.
"use strict";

(function () {
  function toBytes(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); });
  }

  function toB64(buf) {
    var s = "";
    new Uint8Array(buf).forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeIds(list) {
    return (list || []).map(function (c) {
      return Object.assign({}, c, { id: toBytes(c.id) });
    });
  }

  function creationOptions(o) {
    var pk = Object.assign({}, o.publicKey);
    pk.challenge = toBytes(pk.challenge);
    pk.user = Object.assign({}, pk.user, { id: toBytes(pk.user.id) });
    pk.excludeCredentials = decodeIds(pk.excludeCredentials);
    return { publicKey: pk };
  }

  function requestOptions(o) {
    var pk = Object.assign({}, o.publicKey);
    pk.challenge = toBytes(pk.challenge);
    pk.allowCredentials = decodeIds(pk.allowCredentials);
    return { publicKey: pk };
  }

  function credentialJSON(c) {
    var r = c.response, out = {
      id: c.id, rawId: toB64(c.rawId), type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults(),
      response: { clientDataJSON: toB64(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toB64(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toB64(r.authenticatorData);
      out.response.signature = toB64(r.signature);
      if (r.userHandle) out.response.userHandle = toB64(r.userHandle);
    }
    return out;
  }

  function show(msg) {
    var el = document.getElementById("status");
    el.textContent = msg;
    el.hidden = false;
  }

  async function post(url, body) {
    var res = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    });
    var data = await res.json();
    if (!res.ok) throw new Error(data.error || "request refused");
    return data;
  }

  async function keyLogin(form) {
    var name = form.elements.name.value;
    var opts = await post("/login/webauthn/begin", { name: name, next: form.dataset.next });
    var cred = await navigator.credentials.get(requestOptions(opts));
    var done = await post("/login/webauthn/finish", credentialJSON(cred));
    location.assign(done.next);
  }

  async function enrol(form) {
    var opts = await post("/enrol/begin", { name: form.elements.name.value, token: form.elements.token.value });
    var cred = await navigator.credentials.create(creationOptions(opts));
    var done = await post("/enrol/finish", credentialJSON(cred));
    location.assign(done.next);
  }

  function wire(id, fn) {
    var form = document.getElementById(id);
    if (!form) return;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!window.PublicKeyCredential) { show("This browser has no WebAuthn support; use a one-time code."); return; }
      fn(form).catch(function (err) { show(err.message || String(err)); });
    });
  }

  function fillFromFragment() {
    var form = document.getElementById("enrol");
    if (!form || location.hash.length < 2) return;
    var p = new URLSearchParams(location.hash.slice(1));
    form.elements.name.value = p.get("name") || "";
    form.elements.token.value = p.get("token") || "";
    history.replaceState(null, "", location.pathname);
  }

  fillFromFragment();
  wire("key-login", keyLogin);
  wire("enrol", enrol);
})();
