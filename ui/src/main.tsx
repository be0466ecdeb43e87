import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import App from "./App";
import "./styles.css";

// The browser e2e build (vite --mode e2e) runs against an in-memory backend.
if (import.meta.env.MODE === "e2e") {
  const { installMockBackend } = await import("./test/mockBackend");
  installMockBackend();
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
