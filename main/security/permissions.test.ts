import { describe, expect, it } from 'vitest';
import { isPermissionGranted } from './permissions.js';
import { consoleOrigins } from './urls.js';

const origins = consoleOrigins(null);
const fromConsole = (permission: string) => ({ permission, requestingUrl: 'app://console/index.html#/queue', isMainFrame: true });

describe('permission policy', () => {
  it('grants the console page the clipboard write and local network access it uses', () => {
    for (const permission of ['clipboard-sanitized-write', 'local-network-access', 'local-network', 'loopback-network']) {
      expect(isPermissionGranted(fromConsole(permission), origins), permission).toBe(true);
    }
  });

  it('refuses everything else, notifications included (they go through main)', () => {
    for (const permission of ['notifications', 'media', 'geolocation', 'clipboard-read', 'openExternal', 'hid', 'usb', 'serial', 'display-capture', 'fullscreen', 'pointerLock', 'midiSysex', 'unknown']) {
      expect(isPermissionGranted(fromConsole(permission), origins), permission).toBe(false);
    }
  });

  it('refuses even granted permissions to anything but the console top-level page', () => {
    expect(isPermissionGranted({ permission: 'clipboard-sanitized-write', requestingUrl: 'https://evil.example/', isMainFrame: true }, origins)).toBe(false);
    expect(isPermissionGranted({ permission: 'clipboard-sanitized-write', requestingUrl: 'app://console/index.html', isMainFrame: false }, origins)).toBe(false);
    expect(isPermissionGranted({ permission: 'loopback-network', requestingUrl: undefined, isMainFrame: true }, origins)).toBe(false);
    expect(isPermissionGranted({ permission: 'loopback-network', requestingUrl: 'file:///tmp/index.html', isMainFrame: true }, origins)).toBe(false);
  });
});
