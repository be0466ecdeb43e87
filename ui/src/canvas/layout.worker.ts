// Web worker: automatic layout off the main thread.
import { elkLayout, type LayoutInput } from "./elkLayout";

self.onmessage = async (ev: MessageEvent<LayoutInput>) => {
  try {
    self.postMessage({ ok: true, positions: await elkLayout(ev.data) });
  } catch (e) {
    self.postMessage({ ok: false, error: String(e) });
  }
};
