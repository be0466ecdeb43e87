// Web worker: automatic layout off the main thread.
import type { LayoutInput } from "./elkLayout";
import { bestLayout } from "./gridLayout";

self.onmessage = async (ev: MessageEvent<LayoutInput>) => {
  try {
    self.postMessage({ ok: true, positions: await bestLayout(ev.data) });
  } catch (e) {
    self.postMessage({ ok: false, error: String(e) });
  }
};
