// The diagram as SVG or PNG, the way xyflow's download-image example does it:
// html-to-image serializes the viewport's DOM (user text stays text nodes,
// escaped by the serializer) framed on the bounds of all nodes.
import { toPng, toSvg } from "html-to-image";
import { getNodesBounds, getViewportForBounds, type Node } from "@xyflow/react";

export type Capture = { contents: string; encoding: "text" | "base64" };

/** Classes that mark the session's selection (taken off for the capture). */
const SELECTION_CLASSES = ["selected", "sys-selected", "chip-selected", "flow-selected", "flow-label-selected"];
/** What a document leaves out: the handles and buttons, and xyflow's selection boxes. */
const LEFT_OUT = ["react-flow__handle", "icon-btn", "chip-add", "react-flow__nodesselection", "react-flow__selection", "react-flow__edgeupdater"];

export async function captureDiagram(kind: "svg" | "png", viewport: HTMLElement, nodes: Node[], background: string): Promise<Capture> {
  const bounds = getNodesBounds(nodes);
  const width = Math.min(8000, Math.max(640, Math.ceil(bounds.width + 160)));
  const height = Math.min(8000, Math.max(400, Math.ceil(bounds.height + 160)));
  const v = getViewportForBounds(bounds, width, height, 0.05, 2, 0.04);
  const options = {
    backgroundColor: background,
    width,
    height,
    skipFonts: true,
    style: { width: `${width}px`, height: `${height}px`, transform: `translate(${v.x}px, ${v.y}px) scale(${v.zoom})` },
    // Leave out the controls a document does not need.
    filter: (el: HTMLElement) => !(el.classList && LEFT_OUT.some((c) => el.classList.contains(c))),
  };
  // A document shows the model, not the session: no selection outline, no
  // highlighted chip or flow, no focus ring. Taken off for the capture and
  // put back after (before the paint is pinned below, so it is not pinned).
  const unselected: [Element, string][] = [];
  for (const cls of SELECTION_CLASSES) {
    for (const el of viewport.querySelectorAll(`.${cls}`)) {
      el.classList.remove(cls);
      unselected.push([el, cls]);
    }
  }
  const focused = document.activeElement instanceof HTMLElement && viewport.contains(document.activeElement) ? document.activeElement : null;
  focused?.blur();
  // SVG parts (edges, labels) are styled by classes and theme variables that
  // the serialized copy does not resolve: pin their resolved paint inline
  // for the capture, then put things back.
  const pinned: [SVGElement, string | null][] = [];
  for (const el of viewport.querySelectorAll<SVGElement>("svg path, svg rect, svg circle, svg text, svg tspan")) {
    const cs = getComputedStyle(el);
    pinned.push([el, el.getAttribute("style")]);
    for (const prop of ["fill", "stroke", "stroke-width", "stroke-dasharray", "opacity", "font-size", "font-weight", "font-family"]) el.style.setProperty(prop, cs.getPropertyValue(prop));
  }
  try {
    if (kind === "png") {
      const url = await toPng(viewport, { ...options, pixelRatio: 2 });
      return { contents: url.slice(url.indexOf(",") + 1), encoding: "base64" };
    }
    const url = await toSvg(viewport, options);
    return { contents: decodeURIComponent(url.slice(url.indexOf(",") + 1)), encoding: "text" };
  } finally {
    for (const [el, style] of pinned) {
      if (style === null) el.removeAttribute("style");
      else el.setAttribute("style", style);
    }
    for (const [el, cls] of unselected) el.classList.add(cls);
  }
}
