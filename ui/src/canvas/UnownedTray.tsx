// Entities nobody owns yet still belong on the canvas: a tray of their chips,
// each dragged onto the system that should own it (the owner dialog asks why,
// as for any owner change). Names are text.
import { memo } from "react";
import type { Entity } from "../api";
import type { Selection } from "../selection";
import { CHIP_MIME } from "./context";

function Tray({ entities, onSelect }: { entities: Entity[]; onSelect: (s: Selection) => void }) {
  if (entities.length === 0) return null;
  return (
    <div className="unowned-tray" data-testid="unowned-tray" aria-label="Entities without an owner">
      <span className="unowned-title">No owner yet: drag onto its owner</span>
      {entities.map((e) => (
        <span
          key={e.id}
          className="chip chip-unowned nodrag"
          data-testid="unowned-chip"
          data-entity={e.id}
          draggable
          title={`${e.name} (${e.id}) has no owner. Drag it onto the system that owns it.`}
          onDragStart={(ev) => {
            ev.dataTransfer.setData(CHIP_MIME, e.id);
            ev.dataTransfer.setData("text/plain", e.id);
            ev.dataTransfer.effectAllowed = "move";
          }}
          onClick={() => onSelect({ kind: "entity", id: e.id })}
        >
          {e.name}
        </span>
      ))}
    </div>
  );
}

export const UnownedTray = memo(Tray);
