import { createContext } from "react";
import type { Selection } from "../selection";

/** What nodes and edges can ask the canvas to do (a stable object). */
export type CanvasActions = {
  select: (s: Selection | null) => void;
  startRename: (s: Selection) => void;
  renameSystem: (id: string, newId: string, name: string | undefined) => void;
  cancelRename: () => void;
  addEntity: (systemId: string) => void;
  /** An entity chip was dropped on a system: propose it as the owner. */
  dropChip: (entityId: string, systemId: string) => void;
  /** A bundle of flows was clicked: list its flows. */
  openBundle: (bundleId: string) => void;
};

export const ActionsContext = createContext<CanvasActions | null>(null);
/** The entity whose chips are highlighted (selected), and the system being renamed. */
export const FocusContext = createContext<{ entity: string | null; renaming: string | null }>({ entity: null, renaming: null });

export const CHIP_MIME = "application/x-charter-entity";

/** Below this zoom, chips collapse to counts and flow labels are hidden (legibility and speed). */
export const DETAIL_ZOOM = 0.45;
/** Large models below this zoom draw all flows as a few plain paths (an overview, not clickable). */
export const OVERVIEW_ZOOM = 0.3;
