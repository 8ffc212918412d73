import { render } from "preact";
import { loadConfig, apiBase } from "./config";
import { keepFresh, restore } from "./auth";
import { makeApi } from "./api/client";
import { app } from "./state";
import { getLang, setLang } from "./i18n";
import { App } from "./app";

async function start() {
  const root = document.getElementById("app")!;
  setLang(getLang());
  try {
    app.cfg = await loadConfig();
    app.api = makeApi(apiBase(app.cfg));
    await restore(app.cfg);
    keepFresh(app.cfg);
  } catch (e) {
    root.textContent = String(e);
    return;
  }
  root.textContent = ""; // the static "loading" line
  render(<App />, root);
}

void start();
