import QRCode from 'qrcode';
import { useMemo } from 'react';

const QUIET_ZONE = 4;

/** The SVG path of a QR code's dark modules, one square each, offset by the quiet zone. */
export function qrPath(text: string): { size: number; d: string } {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const parts: string[] = [];
  for (let y = 0; y < modules.size; y++) {
    for (let x = 0; x < modules.size; x++) {
      if (modules.get(y, x)) parts.push(`M${x + QUIET_ZONE} ${y + QUIET_ZONE}h1v1h-1z`);
    }
  }
  return { size: modules.size + 2 * QUIET_ZONE, d: parts.join('') };
}

/**
 * A QR code drawn as inline SVG elements (no canvas, no data: URL, nothing the strict CSP refuses),
 * dark on white in either theme, as scanners expect.
 */
export function QrCode({ text, label, size = 184 }: { text: string; label: string; size?: number }) {
  const { size: modules, d } = useMemo(() => qrPath(text), [text]);
  return (
    <svg className="qr-code" role="img" aria-label={label} width={size} height={size} viewBox={`0 0 ${modules} ${modules}`} shapeRendering="crispEdges">
      <rect width={modules} height={modules} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
