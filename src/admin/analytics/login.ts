/**
 * The analytics page's answer without a valid token: still 401, but a page that asks for the
 * token, so a link without one (the one `/stats` posts in Telegram, where a token must never
 * appear) still leads somewhere. A token typed here, or kept from a previous visit in the
 * browser's localStorage, is sent back as `?token=`; the page then keeps it and drops it from
 * the address bar. A token that was refused is forgotten, so a stale one never loops.
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";

/** The key the page keeps the token under in localStorage (main.js uses the same). */
export const TOKEN_KEY = "switchboard-admin-token";

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Switchboard analytics — token required</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/analytics/app/style.css">
</head>
<body class="login">
  <form id="login" class="card">
    <h1>Switchboard analytics</h1>
    <p>This page needs the admin token (<code>admin.token</code> in the configuration).</p>
    <p id="refused" class="problem" hidden>That token was refused.</p>
    <label>Token <input name="token" type="password" autocomplete="current-password" required autofocus></label>
    <button type="submit">Open</button>
  </form>
  <script>
    const key = ${JSON.stringify(TOKEN_KEY)};
    const url = new URL(location.href);
    const go = (token) => { url.searchParams.set("token", token); location.replace(url.href); };
    if (url.searchParams.has("token")) {
      localStorage.removeItem(key);
      url.searchParams.delete("token");
      document.getElementById("refused").hidden = false;
      history.replaceState(null, "", url.href);
    } else if (localStorage.getItem(key)) go(localStorage.getItem(key));
    document.getElementById("login").addEventListener("submit", (e) => {
      e.preventDefault();
      go(new FormData(e.target).get("token"));
    });
  </script>
</body>
</html>
`;

/** The 401 page. */
export const loginPage = (): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(page, { status: 401, contentType: "text/html; charset=utf-8", headers: { "www-authenticate": 'Bearer realm="switchboard"', "cache-control": "no-store" } });
