import { useState } from "react";
import { NAME_MAX_CHARS } from "./names";

type Props = {
  id: string;
  name?: string;
  onSubmit: (newId: string, newName: string | undefined) => void;
  onCancel: () => void;
};

/** Inline form to change an item's id and (when it has one) display name. */
export function RenameForm({ id, name, onSubmit, onCancel }: Props) {
  const [newId, setNewId] = useState(id);
  const [newName, setNewName] = useState(name ?? "");
  return (
    <form
      className="inline-form"
      data-testid="rename-form"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(newId.trim(), name === undefined ? undefined : newName.trim());
      }}
    >
      {name !== undefined && (
        <input data-testid="rename-name" aria-label="Name" maxLength={NAME_MAX_CHARS} value={newName} onChange={(e) => setNewName(e.target.value)} autoFocus />
      )}
      <input data-testid="rename-id" aria-label="Id" value={newId} onChange={(e) => setNewId(e.target.value)} />
      <button type="submit" data-testid="rename-ok">
        Rename
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
