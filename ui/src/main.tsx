import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import App from "./App";
import "./styles.css";

// The browser e2e build (vite --mode e2e) runs against an in-memory backend.
// `?bench=S,E,F` opens a synthetic model of S systems, E entities, F flows
// instead (the canvas scale benchmark, e2e/bench-canvas.mjs); `&layout=grid`
// gives it stored positions, otherwise it gets the automatic layout.
// `?sample=seafood` opens the real seafood sample and its seeded layout
// (`&layout=none`: without it, so the automatic layout runs).
if (import.meta.env.MODE === "e2e") {
  const { installMockBackend, bigModel } = await import("./test/mockBackend");
  const q = new URLSearchParams(location.search);
  const bench = q.get("bench")?.split(",").map(Number);
  if (bench && bench.length === 3 && bench.every((n) => Number.isInteger(n) && n > 0)) {
    const [s, e, f] = bench as [number, number, number];
    const model = bigModel(s, e, f);
    const cols = Math.ceil(Math.sqrt(s * 1.6));
    const layout = q.get("layout") === "grid" ? model.systems.map((x, i) => ({ nodeId: x.id, x: (i % cols) * 380, y: Math.floor(i / cols) * 320 })) : [];
    installMockBackend({ model, layout });
  } else if (q.get("sample") === "seafood") {
    // The app's own seeded sample with its seeded layout (what `npm start` greets a new user with).
    const [{ default: model }, { default: layout }] = await Promise.all([import("../../models/examples/seafood.model.json?raw"), import("../../src-tauri/sample/seafood.layout.json?raw")]);
    installMockBackend({ model: JSON.parse(model), layout: q.get("layout") === "none" ? [] : JSON.parse(layout) });
  } else {
    installMockBackend();
  }
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
