// Text widths for ECharts' server-side layout. Without a canvas ECharts guesses widths from Helvetica's
// metrics, but the PNGs are drawn with DejaVu Sans (the font Debian installs), which is about 12 %
// wider: legends and labels then overlap. These are DejaVu Sans' advance widths for printable ASCII
// in em (bold is about 10 % wider); other characters count as an average glyph.
const asciiWidths = [
  0.318, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39, 0.39, 0.5, 0.838, 0.318, 0.361, 0.318, 0.337, 0.636, 0.636,
  0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1.0, 0.684, 0.686,
  0.698, 0.77, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787, 0.603, 0.787, 0.695, 0.635,
  0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.39, 0.337, 0.39, 0.838, 0.5, 0.5, 0.613, 0.635, 0.55, 0.635, 0.615,
  0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612, 0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592,
  0.818, 0.592, 0.592, 0.525, 0.636, 0.337, 0.636, 0.838,
];
const otherWidth = 0.6;
const boldFactor = 1.1;

/** Width in px of `text` in a CSS `font` shorthand (`bold 15px DejaVu Sans`); 12px when it names no size. */
export function measureText(text: string, font = ''): { width: number } {
  const size = Number(/(\d+(?:\.\d+)?)px/.exec(font)?.[1] ?? 12);
  const bold = /\bbold\b|\b[6-9]00\b/.test(font) ? boldFactor : 1;
  let em = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    em += code >= 32 && code <= 126 ? (asciiWidths[code - 32] ?? otherWidth) : otherWidth;
  }
  return { width: em * size * bold };
}
