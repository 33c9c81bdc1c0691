import { describe, expect, it } from 'vitest';
import { safeMediaUrl } from '../../ui/media-view/safe-url.js';

describe('the media view sets only safe URLs into src and href', () => {
  it.each([
    ['https://v3.fal.media/files/a.png', 'https://v3.fal.media/files/a.png'],
    ['http://127.0.0.1:8787/cdn/x/a.png', 'http://127.0.0.1:8787/cdn/x/a.png'],
    ['http://localhost:8787/a.mp4', 'http://localhost:8787/a.mp4'],
  ])('keeps %s', (raw, kept) => {
    expect(safeMediaUrl(raw)).toBe(kept);
  });

  it.each([
    'javascript:alert(document.domain)',
    'JavaScript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'blob:https://fal.media/1234',
    'file:///etc/passwd',
    'http://evil.example/a.png',
    'vbscript:msgbox(1)',
    'not a url',
  ])('refuses %s', (raw) => {
    expect(safeMediaUrl(raw)).toBeUndefined();
  });
});
