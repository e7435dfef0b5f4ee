// Types for scripts/find-browser.mjs (plain JavaScript: .ci/run runs it before anything is installed).
export declare const BROWSER_VARIABLE: 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH';
export declare const USUAL_PLACES: { linux: string[]; darwin: string[] };
export declare const COMMAND_NAMES: string[];

interface Where {
  env?: Record<string, string | undefined>;
  platform?: string;
  /** Prefixes the usual install places and /etc/os-release (a fake filesystem in tests). */
  root?: string;
}

export declare function findBrowser(where?: Where): { executable: string; how: string } | { problem: string } | undefined;
export declare function distributionFamily(osRelease: string): string[];
export declare function installAdvice(system: { platform: string; family: string[] }): string;
export declare function decide(
  where?: Where & { uid?: number | undefined },
): { action: 'use'; executable: string; how: string } | { action: 'install'; package: string } | { action: 'stop'; message: string };
