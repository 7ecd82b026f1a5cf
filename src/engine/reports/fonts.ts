/**
 * Text needs a font. @napi-rs/canvas finds the system's fonts itself on most
 * machines; when `sans-serif` draws nothing we register one from
 * /usr/share/fonts, and when there is none at all charts are still drawn,
 * just without words.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';

export interface FontStatus {
  /** CSS font-family list to draw with. */
  family: string;
  /** Whether a probe string actually put ink on a canvas. */
  textRenders: boolean;
  /** Font file registered because the default family drew nothing, if any. */
  registeredFrom: string | null;
}

const FONT_DIRECTORIES = ['/usr/share/fonts', '/usr/local/share/fonts'];
/** Preferred regular/bold pairs, most preferred first; any other .ttf/.otf is the last resort. */
const PREFERRED_FONTS: readonly [regular: string, bold: string][] = [
  ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'],
  ['LiberationSans-Regular.ttf', 'LiberationSans-Bold.ttf'],
  ['NotoSans-Regular.ttf', 'NotoSans-Bold.ttf'],
  ['FreeSans.ttf', 'FreeSansBold.ttf'],
];
const ALIAS = 'ImagePromptSans';

let status: FontStatus | undefined;

function drawsInk(family: string): boolean {
  const canvas = createCanvas(48, 24);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, 48, 24);
  ctx.fillStyle = '#000000';
  ctx.font = `18px ${family}`;
  ctx.fillText('Ag', 4, 19);
  const pixels = ctx.getImageData(0, 0, 48, 24).data;
  for (let i = 0; i < pixels.length; i += 4) if ((pixels[i] as number) < 128) return true;
  return false;
}

function fontFiles(directory: string, depth = 0): string[] {
  if (depth > 4) return [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return fontFiles(path, depth + 1);
    return /\.(ttf|otf)$/i.test(entry.name) ? [path] : [];
  });
}

function registerSystemFont(): string | null {
  const files = FONT_DIRECTORIES.flatMap((directory) => fontFiles(directory));
  const byName = new Map(files.map((file) => [file.split('/').at(-1) ?? file, file]));
  for (const [regular, bold] of PREFERRED_FONTS) {
    const regularPath = byName.get(regular);
    if (regularPath && GlobalFonts.registerFromPath(regularPath, ALIAS)) {
      const boldPath = byName.get(bold);
      if (boldPath) GlobalFonts.registerFromPath(boldPath, ALIAS);
      return regularPath;
    }
  }
  for (const file of files) if (GlobalFonts.registerFromPath(file, ALIAS)) return file;
  return null;
}

/** Finds (once per process) a font family that draws; never throws. */
export function reportFont(): FontStatus {
  if (status) return status;
  if (drawsInk('sans-serif')) {
    status = { family: 'sans-serif', textRenders: true, registeredFrom: null };
    return status;
  }
  const registeredFrom = registerSystemFont();
  const family = `${ALIAS}, sans-serif`;
  status = { family, textRenders: registeredFrom !== null && drawsInk(family), registeredFrom };
  return status;
}

/** A canvas `font` value, e.g. `font(14, 'bold')` → `bold 14px sans-serif`. */
export function font(size: number, weight: 'normal' | 'bold' = 'normal'): string {
  return `${weight === 'bold' ? 'bold ' : ''}${Math.round(size)}px ${reportFont().family}`;
}
