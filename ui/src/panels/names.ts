// Display names: the input limit, ASCII transliteration for ids made from
// names, and the style that cuts a long name short (full name on hover).
import type { CSSProperties } from "react";

/** The longest name the backend accepts (models/src/edit.rs MAX_NAME_CHARS; docs/formats/model.md). */
export const NAME_MAX_CHARS = 200;

// Letters NFKD does not decompose into ASCII plus marks.
const LETTERS: Record<string, string> = {
  ø: "o", Ø: "O", æ: "ae", Æ: "AE", œ: "oe", Œ: "OE", ß: "ss", ẞ: "SS", ł: "l", Ł: "L", đ: "d", Đ: "D",
  ð: "d", Ð: "D", þ: "th", Þ: "TH", ı: "i", ħ: "h", Ħ: "H", ŧ: "t", Ŧ: "T",
};

/**
 * Latin letters as ASCII (`Århus` → `Arhus`, `Straße Øst` → `Strasse Ost`).
 * Ids are made here in the UI, as the user types (the preview updates per
 * key), so this is not a round trip to the Rust `slugify` (deunicode) of the
 * importers: NFKD splits accented letters into a base letter and combining
 * marks, the marks are dropped, and the few letters with no decomposition
 * come from a small map. Other scripts are left as they are (the slug then
 * drops them).
 */
export function toAscii(s: string): string {
  return s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[øØæÆœŒßẞłŁđĐðÐþÞıħĦŧŦ]/g, (c) => LETTERS[c] ?? c);
}

/** One line, cut short with an ellipsis; put the full name in `title`. */
export function truncated(maxWidth: string): CSSProperties {
  return { display: "inline-block", maxWidth, overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap", verticalAlign: "bottom" };
}
