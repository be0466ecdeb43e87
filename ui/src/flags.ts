// Small choices kept in this browser's storage (bundled flows, the guide
// dismissed). Without storage a choice lasts the session.

export function storedFlag(key: string, fallback: boolean): boolean {
  try {
    const v = localStorage.getItem(key);
    return v === null ? fallback : v === "true";
  } catch {
    return fallback;
  }
}

export function storeFlag(key: string, value: boolean) {
  try {
    localStorage.setItem(key, String(value));
  } catch {
    // No storage: the choice lasts this session.
  }
}
