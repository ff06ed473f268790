// Generated from packages/console/src/app by `npm run build:assets -w @keygate/console`.
// Do not edit: test/assets.test.ts fails when this file is not what the sources build to.
// src/app/api.ts
var APIError = class extends Error {
  status;
  code;
  detail;
  /** Field errors of `validation_failed`: JSON Pointer → message. */
  fields;
  /** From `Retry-After` on a 429 (or a 503). */
  retryAfterSeconds;
  constructor(init) {
    super(init.detail);
    this.name = "APIError";
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.fields = init.fields ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
};
var onSignedOut = () => {
};
function whenSignedOut(listener) {
  onSignedOut = listener;
}
async function api(method, path, options2 = {}) {
  const headers = { accept: "application/json" };
  let body;
  if (options2.body !== void 0) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options2.body);
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error"
    });
  } catch {
    throw new APIError({
      status: 0,
      code: "network_error",
      detail: "The token service cannot be reached. Check that it is running, then try again."
    });
  }
  if (response.status === 204) return void 0;
  const text2 = await response.text();
  let parsed;
  try {
    parsed = text2 === "" ? void 0 : JSON.parse(text2);
  } catch {
    parsed = void 0;
  }
  if (response.ok) return parsed;
  const problem = parsed ?? {};
  const retryAfter = Number(response.headers.get("retry-after"));
  const error = new APIError({
    status: response.status,
    code: typeof problem.code === "string" ? problem.code : "unexpected",
    detail: typeof problem.detail === "string" ? problem.detail : typeof problem.title === "string" ? problem.title : `The server answered ${response.status}`,
    fields: Array.isArray(problem.errors) ? problem.errors : [],
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : void 0
  });
  if (response.status === 401 && options2.expect401 !== true) onSignedOut(error);
  throw error;
}

// src/app/dom.ts
function h(tag, attrs = null, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === void 0 || value === null || value === false) continue;
    if (typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "value" && element instanceof HTMLSelectElement) {
      element.value = String(value);
    } else if (name === "checked" && element instanceof HTMLInputElement) {
      element.checked = value === true;
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}
function append(parent, children) {
  for (const child of children) {
    if (child === null || child === void 0 || child === false) continue;
    if (typeof child === "string") parent.appendChild(document.createTextNode(child));
    else if (typeof child === "number") parent.appendChild(document.createTextNode(String(child)));
    else if (child instanceof Node) parent.appendChild(child);
    else append(parent, child);
  }
}
function replace(parent, ...children) {
  while (parent.firstChild !== null) parent.removeChild(parent.firstChild);
  append(parent, children);
}
var ids = 0;
function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

// src/app/app.ts
var NAV = [
  { route: "/tokens", label: "My tokens" },
  { route: "/admin/users", label: "Users", scope: "users:manage" },
  { route: "/admin/tokens", label: "All tokens", scope: "tokens:manage" },
  { route: "/admin/audit", label: "Audit log", scope: "audit:read" },
  { route: "/account", label: "Account" }
];
async function loadSession() {
  try {
    const user = await api("GET", "/v1/users/me", { expect401: true });
    const policy = await api("GET", "/v1/auth/policy", { expect401: true });
    return { user, policy };
  } catch (error) {
    if (error.status === 401) return void 0;
    throw error;
  }
}
function currentRoute() {
  const hash = window.location.hash;
  if (hash === "" || hash === "#") return "";
  return hash.startsWith("#/") ? hash.slice(1) : void 0;
}
function createApp(root2, render2) {
  let session;
  let flash;
  let navigated = false;
  const app2 = {
    get session() {
      return session;
    },
    go(route) {
      navigated = true;
      if (window.location.hash === `#${route}`) void render2();
      else window.location.hash = route;
    },
    holds(scope) {
      return session?.policy.scopes.includes(scope) === true;
    },
    async signedIn() {
      session = await loadSession();
      app2.go("/tokens");
    },
    page(title, ...content) {
      const heading = h("h1", { tabindex: "-1" }, title);
      const main = h(
        "main",
        { id: "main", tabindex: "-1", class: session === void 0 ? "signed-out" : null },
        heading,
        ...content
      );
      replace(root2, session === void 0 ? brandOnly() : header(app2, session), main);
      document.title = `${title} · keygate console`;
      if (navigated) heading.focus();
    },
    flash(text2, kind = "ok") {
      flash = { text: text2, kind };
    },
    takeFlash() {
      const taken = flash;
      flash = void 0;
      return taken;
    },
    setSession(value) {
      session = value;
    },
    forget() {
      session = void 0;
    }
  };
  window.addEventListener("hashchange", () => {
    navigated = true;
    void render2();
  });
  return app2;
}
function brandOnly() {
  return h(
    "header",
    { class: "bar" },
    h("div", { class: "inner" }, h("span", { class: "brand" }, "keygate"))
  );
}
function header(app2, session) {
  const route = currentRoute();
  const items = NAV.filter((item) => item.scope === void 0 || app2.holds(item.scope));
  return h(
    "header",
    { class: "bar" },
    h(
      "div",
      { class: "inner" },
      h("a", { class: "brand", href: "#/tokens" }, "keygate"),
      h(
        "nav",
        { "aria-label": "Main" },
        h(
          "ul",
          null,
          items.map(
            (item) => h(
              "li",
              null,
              h(
                "a",
                {
                  href: `#${item.route}`,
                  "aria-current": route === item.route ? "page" : null
                },
                item.label
              )
            )
          )
        )
      ),
      h(
        "div",
        { class: "who" },
        h("span", null, session.user.email, " (", session.user.role, ")"),
        h(
          "button",
          {
            type: "button",
            class: "small secondary",
            onclick: () => {
              api("DELETE", "/v1/auth/sessions/current").catch(() => {
              }).finally(() => {
                app2.forget();
                app2.flash("You are signed out.");
                app2.go("/sign-in");
              });
            }
          },
          "Sign out"
        )
      )
    )
  );
}

// src/app/format.ts
var DAY_MS = 864e5;
var EXPIRING_WITHIN_DAYS = 7;
var dateTime = new Intl.DateTimeFormat(void 0, { dateStyle: "medium", timeStyle: "short" });
var time = new Intl.DateTimeFormat(void 0, { timeStyle: "medium" });
function formatTime(iso) {
  if (iso === null || iso === void 0) return "—";
  return dateTime.format(new Date(iso));
}
function formatClock(date) {
  return time.format(date);
}
function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 === 0 ? "" : ` ${s % 60} s`}`;
  if (s < 86400) {
    const m = Math.floor(s % 3600 / 60);
    return `${Math.floor(s / 3600)} h${m === 0 ? "" : ` ${m} min`}`;
  }
  const h2 = Math.floor(s % 86400 / 3600);
  return `${Math.floor(s / 86400)} d${h2 === 0 ? "" : ` ${h2} h`}`;
}
function tokenStatus(token, now) {
  if (token.is_revoked) {
    return { key: "revoked", label: "revoked", detail: `Revoked ${formatTime(token.revoked_at)}` };
  }
  const expires = new Date(token.expires_at).getTime();
  if (token.is_expired || expires <= now.getTime()) {
    return { key: "expired", label: "expired", detail: `Expired ${formatTime(token.expires_at)}` };
  }
  const grace = token.previous_token_expires_at;
  if (grace !== null && new Date(grace).getTime() > now.getTime()) {
    return {
      key: "grace",
      label: "in rotation grace",
      detail: `The previous secret works until ${formatTime(grace)}`
    };
  }
  if (expires - now.getTime() <= EXPIRING_WITHIN_DAYS * DAY_MS) {
    const days = Math.max(0, Math.ceil((expires - now.getTime()) / DAY_MS));
    return {
      key: "expiring",
      label: "expiring",
      detail: days <= 1 ? "Expires within a day" : `Expires in ${days} days`
    };
  }
  return { key: "active", label: "active", detail: "" };
}

// src/app/ui.ts
function text(data, name) {
  const value = data.get(name);
  return typeof value === "string" ? value : "";
}
function field(options2) {
  const id = uid(options2.name);
  const hintId = options2.hint === void 0 ? void 0 : `${id}-hint`;
  const errorId = `${id}-error`;
  const input = options2.type === "select" ? h("select", { id, name: options2.name, ...options2.attrs }) : h("input", {
    id,
    name: options2.name,
    type: options2.type ?? "text",
    "aria-describedby": [hintId, errorId].filter(Boolean).join(" "),
    ...options2.attrs
  });
  if (options2.type === "select") input.setAttribute("aria-describedby", errorId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, options2.label),
    input,
    hintId === void 0 ? null : h("p", { class: "hint", id: hintId }, options2.hint),
    h("p", { class: "field-error", id: errorId, "data-error-for": options2.name })
  );
}
function options(values, selected) {
  return values.map((entry) => {
    const [value, label] = typeof entry === "string" ? [entry, entry] : entry;
    return h("option", { value, selected: value === selected }, label);
  });
}
function noticeArea() {
  return h("div", { class: "notice", role: "status", "aria-live": "polite" });
}
function say(area, text2, kind = "info") {
  area.className = `notice ${kind === "info" ? "" : kind}`.trim();
  area.setAttribute("role", kind === "error" ? "alert" : "status");
  replace(area, text2);
}
function describeProblem(error) {
  if (!(error instanceof APIError)) return "Something went wrong. Try again.";
  if (error.code === "rate_limited") {
    const wait = error.retryAfterSeconds;
    if (wait === void 0) return "Too many attempts. Wait a while, then try again.";
    const at = new Date(Date.now() + wait * 1e3);
    return `Too many attempts. Try again in ${formatDuration(wait)} (at ${formatClock(at)}).`;
  }
  if (error.code === "validation_failed" && error.fields.length > 0) {
    const fields = error.fields.map((f) => {
      const name = (f.path.split("/")[1] ?? "").replace(/_/g, " ");
      return `${name === "" ? "Request" : name[0].toUpperCase() + name.slice(1)}: ${f.message}.`;
    });
    return `${error.detail}. ${fields.join(" ")}`;
  }
  return error.detail;
}
function onSubmit(form, area, action) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const error of form.querySelectorAll("[data-error-for]")) replace(error);
    for (const input of form.querySelectorAll("[aria-invalid]"))
      input.removeAttribute("aria-invalid");
    const buttons = [...form.querySelectorAll("button[type=submit]")];
    for (const button of buttons) button.disabled = true;
    say(area, "");
    action(new FormData(form)).catch((error) => {
      if (error instanceof APIError && error.status === 401 && area.isConnected === false) return;
      say(area, describeProblem(error), "error");
      if (error instanceof APIError) {
        for (const { path, message } of error.fields) {
          const name = path.split("/")[1] ?? "";
          const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
          const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
          if (slot !== null)
            replace(slot, `${message[0]?.toUpperCase() ?? ""}${message.slice(1)}`);
          input?.setAttribute("aria-invalid", "true");
        }
      }
    }).finally(() => {
      for (const button of buttons) button.disabled = false;
    });
  });
}
function confirmDialog(options2) {
  return new Promise((resolve) => {
    const titleId = uid("dialog-title");
    const form = h(
      "form",
      { method: "dialog" },
      h("h2", { id: titleId }, options2.title),
      h("div", null, options2.body),
      options2.fields ?? null,
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          { type: "submit", value: "confirm", class: options2.danger === true ? "danger" : "" },
          options2.confirm
        ),
        h(
          "button",
          { type: "submit", value: "cancel", class: "secondary", formnovalidate: true },
          "Cancel"
        )
      )
    );
    const dialog = h("dialog", { "aria-labelledby": titleId }, form);
    document.body.appendChild(dialog);
    dialog.addEventListener("close", () => {
      const answer = dialog.returnValue === "confirm" ? new FormData(form) : void 0;
      dialog.remove();
      resolve(answer);
    });
    dialog.showModal();
  });
}
function secretPanel(options2) {
  const inputId = uid("secret");
  const copied = h("span", { role: "status", "aria-live": "polite" });
  const input = h("input", {
    id: inputId,
    type: "text",
    readonly: true,
    spellcheck: "false",
    autocomplete: "off",
    class: "mono"
  });
  input.value = options2.secret;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      replace(copied, "Copied.");
    } catch {
      input.select();
      replace(copied, "Selected: press Ctrl+C (⌘C) to copy.");
    }
  };
  const panel = h(
    "section",
    { class: "secret", "aria-labelledby": `${inputId}-title` },
    h("h2", { id: `${inputId}-title` }, options2.title),
    h(
      "p",
      null,
      h("strong", null, "Copy it now: this is the only time it is shown. "),
      "Keep it somewhere safe, like a password manager or your CI’s secret store. If you lose it, rotate the token or create another."
    ),
    h("label", { for: inputId }, "Token secret"),
    h(
      "div",
      { class: "value" },
      input,
      h("button", { type: "button", onclick: () => void copy() }, "Copy"),
      copied
    ),
    options2.note ?? null,
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            input.value = "";
            panel.remove();
            options2.onDone();
          }
        },
        "Done, I have stored it"
      )
    )
  );
  return panel;
}
function statusBadge(status) {
  return h("span", { class: `status ${status.key}`, title: status.detail || null }, status.label);
}
function scopeList(scopes) {
  if (scopes.length === 0) return h("span", { class: "hint" }, "none");
  return h(
    "ul",
    { class: "scopes" },
    scopes.map((s) => h("li", null, s))
  );
}
function tokenTable(options2) {
  const columns = [
    "Name",
    ...options2.owner === void 0 ? [] : ["Owner"],
    "Status",
    "Scopes",
    "Hint",
    "Created",
    "Expires",
    "Last used",
    "Actions"
  ];
  const cell = (label, ...content) => h("td", { "data-label": label }, h("div", null, ...content));
  return h(
    "table",
    { class: "responsive" },
    h("caption", { class: "visually-hidden" }, options2.caption),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        columns.map((c) => h("th", { scope: "col" }, c))
      )
    ),
    h(
      "tbody",
      null,
      options2.tokens.map((token) => {
        const status = tokenStatus(token, options2.now);
        const live = status.key !== "revoked" && status.key !== "expired";
        return h(
          "tr",
          { "data-token-id": token.id },
          cell("Name", h("strong", null, token.name)),
          options2.owner === void 0 ? null : cell("Owner", options2.owner(token)),
          cell(
            "Status",
            statusBadge(status),
            status.detail === "" ? null : h("p", { class: "hint" }, status.detail)
          ),
          cell("Scopes", scopeList(token.scopes)),
          cell("Hint", h("code", { class: "nowrap" }, token.hint)),
          cell("Created", formatTimeCell(token.created_at)),
          cell("Expires", formatTimeCell(token.expires_at)),
          cell("Last used", formatTimeCell(token.last_used_at)),
          cell(
            "Actions",
            live ? h(
              "div",
              { class: "actions" },
              // A second rotation while the previous secret still works is refused (409).
              options2.onRotate === void 0 || status.key === "grace" ? null : h(
                "button",
                {
                  type: "button",
                  class: "small secondary",
                  "aria-label": `Rotate ${token.name}`,
                  onclick: () => options2.onRotate?.(token)
                },
                "Rotate"
              ),
              options2.onRevoke === void 0 ? null : h(
                "button",
                {
                  type: "button",
                  class: "small danger",
                  "aria-label": `Revoke ${token.name}`,
                  onclick: () => options2.onRevoke?.(token)
                },
                "Revoke"
              )
            ) : h("span", { class: "hint" }, "—")
          )
        );
      })
    )
  );
}
function formatTimeCell(iso) {
  if (iso === null) return h("span", { class: "hint" }, "never");
  return h(
    "time",
    { datetime: iso },
    new Intl.DateTimeFormat(void 0, {
      dateStyle: "medium",
      timeStyle: "short"
    }).format(new Date(iso))
  );
}

// src/app/screens/account.ts
function accountScreen(app2) {
  const { user, policy } = app2.session;
  const area = noticeArea();
  const form = h(
    "form",
    { novalidate: true },
    h("input", {
      type: "text",
      name: "username",
      autocomplete: "username",
      value: user.email,
      hidden: true
    }),
    field({
      label: "Current password",
      name: "current_password",
      type: "password",
      attrs: { autocomplete: "current-password", required: true }
    }),
    field({
      label: "New password",
      name: "new_password",
      type: "password",
      hint: "8 to 128 characters.",
      attrs: { autocomplete: "new-password", required: true, minlength: 8, maxlength: 128 }
    }),
    field({
      label: "New password again",
      name: "confirm",
      type: "password",
      attrs: { autocomplete: "new-password", required: true }
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Change password"))
  );
  onSubmit(form, area, async (data) => {
    const next = text(data, "new_password");
    if (next !== text(data, "confirm")) {
      say(area, "The two new passwords differ.", "error");
      return;
    }
    await api("PUT", "/v1/users/me/password", {
      body: { current_password: text(data, "current_password"), new_password: next }
    });
    form.reset();
    say(area, "Your password is changed. Your other sessions have ended; this one goes on.", "ok");
  });
  app2.page(
    "Account",
    area,
    h(
      "section",
      { class: "card", "aria-labelledby": "me" },
      h("h2", { id: "me" }, "You"),
      h(
        "dl",
        { class: "facts" },
        h("dt", null, "Email"),
        h("dd", null, user.email),
        h("dt", null, "Role"),
        h("dd", null, user.role),
        h("dt", null, "User id"),
        h("dd", null, h("code", null, user.id)),
        h("dt", null, "Member since"),
        h("dd", null, formatTime(user.created_at)),
        h("dt", null, "Your role may grant"),
        h("dd", null, scopeList(policy.scopes))
      )
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "pw" },
      h("h2", { id: "pw" }, "Change your password"),
      form
    )
  );
}

// src/app/screens/tokens.ts
function tokenList(options2) {
  const { app: app2, area, secrets } = options2;
  const element = h("div", { class: "token-list" });
  let items = [];
  let next = null;
  async function fetchPage(cursor) {
    const separator = options2.path.includes("?") ? "&" : "?";
    const url = cursor === null ? options2.path : `${options2.path}${separator}cursor=${encodeURIComponent(cursor)}`;
    const page = await api("GET", url);
    items = cursor === null ? page.items : [...items, ...page.items];
    next = page.next_cursor;
    draw();
  }
  function draw() {
    const more = next === null ? null : h(
      "div",
      { class: "pager" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => void fetchPage(next).catch(
            (e) => say(area, describeProblem(e), "error")
          )
        },
        "Show more"
      )
    );
    replace(
      element,
      items.length === 0 ? h("p", { class: "hint" }, "No tokens yet.") : tokenTable({
        caption: options2.caption,
        tokens: items,
        now: /* @__PURE__ */ new Date(),
        owner: options2.owner,
        onRotate: (token) => void rotate(token),
        onRevoke: (token) => void revoke(token)
      }),
      more
    );
  }
  async function revoke(token) {
    const answer = await confirmDialog({
      title: `Revoke “${token.name}”?`,
      body: h(
        "p",
        null,
        "Every request made with this token (",
        h("code", null, token.hint),
        ") will be refused from now on. This cannot be undone."
      ),
      confirm: "Revoke token",
      danger: true
    });
    if (answer === void 0) return;
    try {
      await api("DELETE", `/v1/auth/tokens/${encodeURIComponent(token.id)}`);
      say(area, `Token “${token.name}” is revoked.`, "ok");
      await fetchPage(null);
    } catch (error) {
      say(area, describeProblem(error), "error");
    }
  }
  async function rotate(token) {
    const policy = app2.session.policy.tokens;
    const answer = await confirmDialog({
      title: `Rotate “${token.name}”?`,
      body: h(
        "p",
        null,
        "A new secret replaces the current one; the id, name, scopes and expiry stay. The current secret keeps working for the grace period, so you can deploy the new one first."
      ),
      fields: field({
        label: "Grace period (seconds)",
        name: "grace",
        type: "number",
        hint: `0 ends the current secret at once; at most ${formatDuration(policy.max_rotation_grace_seconds)}, and never past the token’s expiry.`,
        attrs: {
          min: 0,
          max: policy.max_rotation_grace_seconds,
          step: 1,
          value: policy.rotation_grace_seconds,
          inputmode: "numeric",
          required: true
        }
      }),
      confirm: "Rotate token"
    });
    if (answer === void 0) return;
    const grace = Number(text(answer, "grace"));
    try {
      const rotated = await api(
        "POST",
        `/v1/auth/tokens/${encodeURIComponent(token.id)}/rotate`,
        { body: Number.isInteger(grace) ? { grace_period_seconds: grace } : {} }
      );
      showSecret(secrets, {
        title: `New secret for “${rotated.name}”`,
        secret: rotated.token,
        note: h(
          "p",
          null,
          "The previous secret works until ",
          h("strong", null, formatTime(rotated.previous_token_expires_at)),
          "."
        )
      });
      say(area, `Token “${rotated.name}” is rotated.`, "ok");
      await fetchPage(null);
    } catch (error) {
      say(area, describeProblem(error), "error");
    }
  }
  return { element, reload: () => fetchPage(null) };
}
function showSecret(slot, options2) {
  const panel = secretPanel({ ...options2, onDone: () => replace(slot) });
  replace(slot, panel);
  panel.querySelector("input")?.focus();
}
function tokensScreen(app2) {
  const session = app2.session;
  const { policy } = session;
  const area = noticeArea();
  const secrets = h("div");
  const list = tokenList({ app: app2, path: "/v1/auth/tokens", caption: "Your tokens", area, secrets });
  const defaults = new Set(policy.default_scopes);
  const form = h(
    "form",
    { novalidate: true },
    field({
      label: "Name",
      name: "name",
      hint: "Unique among your tokens, e.g. “ci-deploy”.",
      attrs: { required: true, maxlength: 100, autocomplete: "off" }
    }),
    h(
      "fieldset",
      null,
      h("legend", null, "Scopes"),
      h("p", { class: "hint" }, "What the token may do. Your role allows these."),
      h(
        "div",
        { class: "checks" },
        policy.scopes.map(
          (scope) => h(
            "label",
            null,
            h("input", {
              type: "checkbox",
              name: "scopes",
              value: scope,
              checked: defaults.has(scope)
            }),
            scope
          )
        )
      ),
      h("p", { class: "field-error", "data-error-for": "scopes" })
    ),
    field({
      label: "Expires in (days)",
      name: "expires_in_days",
      type: "number",
      hint: `Between ${policy.tokens.min_days} and ${policy.tokens.max_days} days.`,
      attrs: {
        min: policy.tokens.min_days,
        max: policy.tokens.max_days,
        step: 1,
        value: policy.tokens.default_days,
        inputmode: "numeric",
        required: true
      }
    }),
    field({
      label: "Your password",
      name: "password",
      type: "password",
      hint: "Creating a token asks for your password again, so a session left open cannot mint credentials.",
      attrs: { autocomplete: "current-password", required: true }
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Create token"))
  );
  onSubmit(form, area, async (data) => {
    const days = Number(text(data, "expires_in_days"));
    const created = await api("POST", "/v1/auth/tokens", {
      body: {
        email: session.user.email,
        password: text(data, "password"),
        name: text(data, "name"),
        scopes: data.getAll("scopes").map(String),
        ...Number.isInteger(days) && text(data, "expires_in_days") !== "" ? { expires_in_days: days } : {}
      },
      // A wrong password is an answer to show, not the end of the session.
      expect401: true
    });
    form.reset();
    showSecret(secrets, { title: `Your new token “${created.name}”`, secret: created.token });
    say(
      area,
      `Token “${created.name}” is created; it expires ${formatTime(created.expires_at)}.`,
      "ok"
    );
    await list.reload();
  });
  app2.page(
    "My tokens",
    area,
    secrets,
    h(
      "section",
      { "aria-labelledby": "list-title" },
      h("h2", { id: "list-title" }, "Your tokens"),
      list.element
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "create-title" },
      h("h2", { id: "create-title" }, "Create a token"),
      form
    )
  );
  list.reload().catch((error) => say(area, describeProblem(error), "error"));
}

// src/app/screens/all-tokens.ts
function allTokensScreen(app2) {
  const area = noticeArea();
  const secrets = h("div");
  const emails = /* @__PURE__ */ new Map();
  const list = tokenList({
    app: app2,
    path: "/v1/auth/tokens?all=true",
    caption: "Every user’s tokens",
    area,
    secrets,
    owner: (token) => emails.get(token.user_id) ?? token.user_id
  });
  app2.page(
    "All tokens",
    h(
      "p",
      { class: "lead" },
      "Every token of every user. Revoking or rotating one here acts for its owner."
    ),
    area,
    secrets,
    list.element
  );
  ownerEmails(app2, emails).then(() => list.reload()).catch((error) => say(area, describeProblem(error), "error"));
}
async function ownerEmails(app2, emails) {
  if (!app2.holds("users:manage")) return;
  let cursor = null;
  for (let i = 0; i < 5; i += 1) {
    const path = cursor === null ? "/v1/users?limit=100" : `/v1/users?limit=100&cursor=${encodeURIComponent(cursor)}`;
    const page = await api("GET", path);
    for (const user of page.items) emails.set(user.id, user.email);
    cursor = page.next_cursor;
    if (cursor === null) return;
  }
}

// src/app/screens/audit.ts
function auditScreen(app2) {
  const session = app2.session;
  const area = noticeArea();
  const results = h("div");
  const emails = /* @__PURE__ */ new Map();
  let query = new URLSearchParams();
  const cursors = [null];
  const who = (id) => id === null ? "—" : emails.get(id) ?? id;
  async function load() {
    const cursor = cursors[cursors.length - 1] ?? null;
    const params = new URLSearchParams(query);
    if (cursor !== null) params.set("cursor", cursor);
    const qs = params.toString();
    const page = await api("GET", qs === "" ? "/v1/audit" : `/v1/audit?${qs}`);
    draw(page);
  }
  function draw(page) {
    const cell = (label, ...content) => h("td", { "data-label": label }, h("div", null, ...content));
    replace(
      results,
      page.items.length === 0 ? h("p", { class: "hint" }, "No events match.") : h(
        "table",
        { class: "responsive" },
        h("caption", null, `Audit events, page ${cursors.length}`),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ["Time", "Action", "Actor", "User", "Token", "Client IP", "Details"].map(
              (c) => h("th", { scope: "col" }, c)
            )
          )
        ),
        h(
          "tbody",
          null,
          page.items.map(
            (event) => h(
              "tr",
              null,
              cell("Time", h("time", { datetime: event.at }, formatTime(event.at))),
              cell("Action", h("code", { class: "nowrap" }, event.action)),
              cell(
                "Actor",
                event.actor.kind === "user" ? who(event.actor.id) : `${event.actor.kind}${event.actor.id === null ? "" : ` ${event.actor.id}`}`
              ),
              cell("User", who(event.user_id)),
              cell("Token", event.token_id === null ? "—" : h("code", null, event.token_id)),
              cell("Client IP", event.client_ip ?? "—"),
              cell("Details", h("code", null, JSON.stringify(event.details)))
            )
          )
        )
      ),
      h(
        "div",
        { class: "pager" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            disabled: cursors.length === 1,
            onclick: () => {
              cursors.pop();
              void load().catch((e) => say(area, describeProblem(e), "error"));
            }
          },
          "Newer"
        ),
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            disabled: page.next_cursor === null,
            onclick: () => {
              cursors.push(page.next_cursor);
              void load().catch((e) => say(area, describeProblem(e), "error"));
            }
          },
          "Older"
        )
      )
    );
  }
  const userField = field({ label: "About user", name: "user_id", type: "select" });
  const form = h(
    "form",
    { novalidate: true, class: "card" },
    h(
      "div",
      { class: "filters" },
      (() => {
        const wrapper = field({ label: "Action", name: "action", type: "select" });
        wrapper.querySelector("select")?.append(
          ...options(
            [["", "Any action"], ...session.policy.audit_actions.map((a) => [a, a])],
            ""
          )
        );
        return wrapper;
      })(),
      userField,
      field({
        label: "Actor id",
        name: "actor_id",
        hint: "A user id or a service name.",
        attrs: { autocomplete: "off" }
      }),
      field({ label: "Since", name: "since", type: "datetime-local" }),
      field({ label: "Until", name: "until", type: "datetime-local" })
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, "Apply filters"),
      h("button", { type: "reset", class: "secondary" }, "Clear")
    )
  );
  form.addEventListener("reset", () => {
    query = new URLSearchParams();
    cursors.splice(0, cursors.length, null);
    setTimeout(() => void load().catch((e) => say(area, describeProblem(e), "error")), 0);
  });
  onSubmit(form, area, async (data) => {
    const next = new URLSearchParams();
    for (const name of ["action", "user_id", "actor_id"]) {
      const value = text(data, name).trim();
      if (value !== "") next.set(name, value);
    }
    for (const name of ["since", "until"]) {
      const value = text(data, name);
      if (value !== "") next.set(name, new Date(value).toISOString());
    }
    query = next;
    cursors.splice(0, cursors.length, null);
    await load();
  });
  app2.page("Audit log", area, form, results);
  ownerEmails(app2, emails).then(() => {
    const select = userField.querySelector("select");
    if (select !== null) {
      const known = [...emails].sort((a, b) => a[1].localeCompare(b[1]));
      select.append(...options([["", "Any user"], ...known], ""));
    }
    return load();
  }).catch((error) => say(area, describeProblem(error), "error"));
}

// src/app/screens/setup.ts
function setupScreen(app2) {
  const area = noticeArea();
  const form = h(
    "form",
    { novalidate: true },
    field({
      label: "Setup code",
      name: "code",
      hint: "Printed by keygate serve at this first start (also in data/setup-code). Single use, valid for one hour.",
      attrs: {
        autocomplete: "one-time-code",
        required: true,
        spellcheck: "false",
        autofocus: true
      }
    }),
    field({
      label: "Your email",
      name: "email",
      type: "email",
      attrs: { autocomplete: "username", required: true }
    }),
    field({
      label: "Choose a password",
      name: "password",
      type: "password",
      hint: "8 to 128 characters.",
      attrs: { autocomplete: "new-password", required: true, minlength: 8, maxlength: 128 }
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Create the first admin"))
  );
  onSubmit(form, area, async (data) => {
    const email = text(data, "email");
    const password = text(data, "password");
    await api("POST", "/v1/setup", {
      body: { code: text(data, "code").trim(), email, password }
    });
    await api("POST", "/v1/auth/sessions", { body: { email, password, cookie: true } });
    await app2.signedIn();
  });
  app2.page(
    "Set up keygate",
    h(
      "div",
      { class: "card narrow" },
      h(
        "p",
        { class: "lead" },
        "No user exists yet. Create the first administrator with the one-time setup code."
      ),
      area,
      form,
      h("p", { class: "hint" }, "Already set up? ", h("a", { href: "#/sign-in" }, "Sign in"))
    )
  );
}

// src/app/screens/sign-in.ts
function signInScreen(app2) {
  const area = noticeArea();
  const flash = app2.takeFlash();
  if (flash !== void 0) say(area, flash.text, flash.kind);
  const form = h(
    "form",
    { novalidate: true },
    field({
      label: "Email",
      name: "email",
      type: "email",
      attrs: { autocomplete: "username", required: true, autofocus: true }
    }),
    field({
      label: "Password",
      name: "password",
      type: "password",
      attrs: { autocomplete: "current-password", required: true }
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in"))
  );
  onSubmit(form, area, async (data) => {
    await api("POST", "/v1/auth/sessions", {
      body: {
        email: text(data, "email"),
        password: text(data, "password"),
        cookie: true
      },
      expect401: true
    });
    await app2.signedIn();
  });
  app2.page(
    "Sign in",
    h(
      "div",
      { class: "card narrow" },
      h("p", { class: "lead" }, "Sign in to manage your API tokens."),
      area,
      form
    )
  );
}

// src/app/screens/users.ts
function usersScreen(app2) {
  const session = app2.session;
  const area = noticeArea();
  const listSlot = h("div");
  let users = [];
  let next = null;
  async function load(cursor) {
    const page = await api(
      "GET",
      cursor === null ? "/v1/users" : `/v1/users?cursor=${encodeURIComponent(cursor)}`
    );
    users = cursor === null ? page.items : [...users, ...page.items];
    next = page.next_cursor;
    draw();
  }
  async function update(user, body) {
    try {
      await api("PATCH", `/v1/users/${encodeURIComponent(user.id)}`, { body });
      say(
        area,
        body.disabled === true ? `${user.email} is disabled.` : body.disabled === false ? `${user.email} is enabled.` : `${user.email} is now ${body.role}.`,
        "ok"
      );
      await load(null);
    } catch (error) {
      say(area, describeProblem(error), "error");
    }
  }
  async function disable(user) {
    const answer = await confirmDialog({
      title: `Disable ${user.email}?`,
      body: h(
        "p",
        null,
        "They are signed out everywhere and every token they hold is revoked at once. Enabling them later does not bring the tokens back."
      ),
      confirm: "Disable user",
      danger: true
    });
    if (answer !== void 0) await update(user, { disabled: true });
  }
  function row(user) {
    const self = user.id === session.user.id;
    const cell = (label, ...content) => h("td", { "data-label": label }, h("div", null, ...content));
    const roleSelect = h(
      "select",
      { "aria-label": `Role of ${user.email}`, name: "role" },
      options(session.policy.roles, user.role)
    );
    return h(
      "tr",
      { "data-user-id": user.id },
      cell(
        "Email",
        h("strong", null, user.email),
        self ? h("span", { class: "hint" }, " (you)") : null
      ),
      cell("Role", self ? user.role : roleSelect),
      cell(
        "Status",
        statusBadge(
          user.disabled ? { key: "disabled", label: "disabled", detail: "" } : { key: "active", label: "active", detail: "" }
        )
      ),
      cell("Created", formatTime(user.created_at)),
      cell(
        "Actions",
        self ? h("span", { class: "hint" }, "—") : h(
          "div",
          { class: "actions" },
          h(
            "button",
            {
              type: "button",
              class: "small secondary",
              "aria-label": `Save role of ${user.email}`,
              onclick: () => {
                if (roleSelect.value !== user.role)
                  void update(user, { role: roleSelect.value });
              }
            },
            "Save role"
          ),
          user.disabled ? h(
            "button",
            {
              type: "button",
              class: "small secondary",
              "aria-label": `Enable ${user.email}`,
              onclick: () => void update(user, { disabled: false })
            },
            "Enable"
          ) : h(
            "button",
            {
              type: "button",
              class: "small danger",
              "aria-label": `Disable ${user.email}`,
              onclick: () => void disable(user)
            },
            "Disable"
          )
        )
      )
    );
  }
  function draw() {
    replace(
      listSlot,
      h(
        "table",
        { class: "responsive" },
        h("caption", null, "Users"),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ["Email", "Role", "Status", "Created", "Actions"].map(
              (c) => h("th", { scope: "col" }, c)
            )
          )
        ),
        h("tbody", null, users.map(row))
      ),
      next === null ? null : h(
        "div",
        { class: "pager" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: () => void load(next).catch((e) => say(area, describeProblem(e), "error"))
          },
          "Show more"
        )
      )
    );
  }
  const form = h(
    "form",
    { novalidate: true },
    field({
      label: "Email",
      name: "email",
      type: "email",
      attrs: { required: true, autocomplete: "off" }
    }),
    field({
      label: "Initial password",
      name: "password",
      type: "password",
      hint: "8 to 128 characters. Tell it to them privately; they can change it under Account.",
      attrs: { required: true, autocomplete: "new-password", minlength: 8, maxlength: 128 }
    }),
    (() => {
      const wrapper = field({ label: "Role", name: "role", type: "select" });
      wrapper.querySelector("select")?.append(...options(session.policy.roles, "user"));
      return wrapper;
    })(),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Create user"))
  );
  onSubmit(form, area, async (data) => {
    const created = await api("POST", "/v1/users", {
      body: {
        email: text(data, "email"),
        password: text(data, "password"),
        role: text(data, "role") || "user"
      }
    });
    form.reset();
    say(area, `${created.email} is created (${created.role}).`, "ok");
    await load(null);
  });
  app2.page(
    "Users",
    area,
    h(
      "section",
      { class: "card", "aria-labelledby": "new-user" },
      h("h2", { id: "new-user" }, "Create a user"),
      form
    ),
    h(
      "section",
      { "aria-labelledby": "user-list" },
      h("h2", { id: "user-list" }, "All users"),
      listSlot
    )
  );
  load(null).catch((error) => say(area, describeProblem(error), "error"));
}

// src/app/main.ts
var SIGNED_IN = {
  "/tokens": { show: tokensScreen },
  "/admin/users": { scope: "users:manage", show: usersScreen },
  "/admin/tokens": { scope: "tokens:manage", show: allTokensScreen },
  "/admin/audit": { scope: "audit:read", show: auditScreen },
  "/account": { show: accountScreen }
};
var root = document.getElementById("app");
var app = createApp(root, render);
whenSignedOut((error) => {
  if (app.session === void 0) return;
  app.forget();
  app.flash(`You have been signed out: ${error.detail}. Sign in again.`, "error");
  app.go("/sign-in");
});
async function render() {
  const route = currentRoute();
  if (route === void 0) return;
  try {
    if (app.session === void 0) {
      if (route === "/setup") {
        const { pending } = await api("GET", "/v1/setup");
        if (pending) return setupScreen(app);
        app.flash("keygate is already set up: sign in.");
        return app.go("/sign-in");
      }
      if (route !== "/sign-in") return app.go("/sign-in");
      return signInScreen(app);
    }
    const screen = SIGNED_IN[route];
    if (screen === void 0 || screen.scope !== void 0 && !app.holds(screen.scope)) {
      return app.go("/tokens");
    }
    screen.show(app);
  } catch (error) {
    if (error instanceof APIError && error.status === 401) return;
    app.page(
      "Something went wrong",
      h("p", { class: "notice error", role: "alert" }, describeProblem(error))
    );
  }
}
async function start() {
  try {
    const session = await loadSession();
    app.setSession(session);
    if (session === void 0) {
      const { pending } = await api("GET", "/v1/setup");
      const route = currentRoute();
      if (pending && route !== "/sign-in") return app.go("/setup");
      if (route !== "/sign-in") return app.go("/sign-in");
    } else if (currentRoute() === "" || currentRoute() === "/sign-in" || currentRoute() === "/setup") {
      return app.go("/tokens");
    }
    await render();
  } catch (error) {
    app.page(
      "The console cannot start",
      h("p", { class: "notice error", role: "alert" }, describeProblem(error))
    );
  }
}
void start();
