// Strings from a hardware snapshot (device and vendor names, driver, kernel release) are shown in
// diagnostics, hovers, inlay hints and the terminal. A snapshot can come from anywhere, so they
// are made inert first: no control or format characters (line breaks, terminal escapes,
// bidirectional overrides), bounded length; and in Markdown every ASCII punctuation character is
// escaped (CommonMark allows a backslash before each), so no link, image, HTML or autolink forms.

/** Longer names are cut: pci.ids' longest device names are well under this. */
const MAX_DISPLAY_LENGTH = 100;

/** A snapshot string as plain text safe to show anywhere. */
export function snapshotText(value: string, maxLength = MAX_DISPLAY_LENGTH): string {
  const flat = value
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...flat];
  return chars.length > maxLength ? `${chars.slice(0, maxLength - 1).join('')}…` : flat;
}

/** Plain text as Markdown that renders as exactly that text. */
export function markdownText(text: string): string {
  return text.replace(/[!-/:-@[-`{-~]/g, '\\$&');
}
