// The session (login, token, role) and the API: REST calls and the live event stream.
// A refused or expired token never locks the page: it ends the session and shows the login.

const TOKEN_KEY = "skyfleet.session";

/** An API refusal, with the API's own message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** What each role may do (the API checks it too; the page only hides what would be refused). */
const CAN = {
  admin: ["book_delivery", "book_inspection", "command"],
  dispatcher: ["book_delivery", "book_inspection", "command"],
  inspector: ["book_inspection", "command"],
  viewer: [],
};

export const session = {
  token: null,
  expiresAt: 0,
  me: null,
  onStart: [],
  onEnd: [],
  timer: null,

  can(what) {
    return !!this.me && (CAN[this.me.role] || []).includes(what);
  },

  /** Exchange a user name and password for a token; throws ApiError with the API's words. */
  async login(username, password) {
    const body = new URLSearchParams({ username, password });
    const resp = await fetch("/auth/token", { method: "POST", body });
    if (!resp.ok) throw new ApiError(resp.status, await errorText(resp));
    const grant = await resp.json();
    await this.start(grant.access_token, Date.now() + grant.expires_in * 1000);
  },

  /** Use a token (from the login, the URL fragment or the session storage). */
  async start(token, expiresAt) {
    this.token = token;
    this.expiresAt = expiresAt || tokenExpiry(token);
    this.me = await api("/auth/me"); // a refused token ends here, through api()'s 401 handling
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ token, expiresAt: this.expiresAt }));
    clearTimeout(this.timer);
    const left = this.expiresAt - Date.now();
    if (left > 0) this.timer = setTimeout(() => this.end("Your session expired: log in again."), left);
    for (const fn of this.onStart) fn(this.me);
  },

  /** The token stored for this browser tab, if any (a #token= fragment wins). */
  stored() {
    const fragment = new URLSearchParams(location.hash.slice(1)).get("token");
    if (fragment) {
      history.replaceState(null, "", location.pathname); // keep it out of the address bar
      return { token: fragment, expiresAt: tokenExpiry(fragment) };
    }
    try {
      return JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null");
    } catch {
      return null;
    }
  },

  /** Forget the token and show the login, saying why. */
  end(reason) {
    this.token = null;
    this.me = null;
    clearTimeout(this.timer);
    sessionStorage.removeItem(TOKEN_KEY);
    for (const fn of this.onEnd) fn(reason);
  },
};

/** The expiry of a JWT from its payload (ms since the epoch; 0 when unreadable). */
function tokenExpiry(token) {
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return typeof payload.exp === "number" ? payload.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/** The API's explanation of a refusal, as plain text. */
async function errorText(resp) {
  let body = null;
  try {
    body = await resp.json();
  } catch {
    return `HTTP ${resp.status}`;
  }
  const detail = body && body.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const where = (d.loc || []).filter((p) => p !== "body").join(".");
        return where ? `${where}: ${d.msg}` : d.msg;
      })
      .join("; ");
  }
  return `HTTP ${resp.status}`;
}

/** Call the API as the logged-in user; JSON in, JSON out. A 401 ends the session. */
export async function api(path, { method = "GET", body } = {}) {
  if (!session.token) throw new ApiError(401, "not logged in");
  const headers = { Authorization: `Bearer ${session.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (resp.status === 401) {
    const message = await errorText(resp);
    session.end(`The service refused the session (${message}): log in again.`);
    throw new ApiError(401, message);
  }
  if (!resp.ok) throw new ApiError(resp.status, await errorText(resp));
  if (resp.status === 204) return null;
  return resp.json();
}

/**
 * The live event stream: calls onEvent(kind, data) for each event and onState(state, text)
 * when it connects or is lost; reconnects with a growing delay while the session lasts.
 */
export function eventStream(onEvent, onState) {
  let socket = null;
  let delay = 1000;
  let timer = null;
  let stopped = false;

  function connect() {
    if (stopped || !session.token) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}/ws/events?token=${encodeURIComponent(session.token)}`;
    socket = new WebSocket(url);
    socket.onopen = () => {
      delay = 1000;
      onState("live", "live");
    };
    socket.onmessage = (message) => {
      let event = null;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event && event.kind !== "hello") onEvent(event.kind, event.data || {}, event.time);
    };
    socket.onclose = () => {
      socket = null;
      if (stopped) return;
      onState("reconnecting", `connection lost: reconnecting in ${Math.round(delay / 1000)} s`);
      timer = setTimeout(async () => {
        try {
          await api("/auth/me"); // a refused token ends the session instead of looping
        } catch {
          if (!session.token) return;
        }
        connect();
      }, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }

  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      if (socket) socket.close();
      onState("offline", "offline");
    },
    /** Close the socket as a network failure would (used by tests and on a long sleep). */
    drop() {
      if (socket) socket.close();
    },
  };
}
