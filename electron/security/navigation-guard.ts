import type { WebContentsPort } from '../ports/electron-port.ts';
import type { AppOrigin } from './app-origin.ts';
import type { ExternalLinks } from './external-links.ts';

export type NavigationVerdict = 'allow' | 'block';

/** In-app navigation stays inside the app's own pages; anything else is stopped. */
export function navigationVerdict(url: string, appOrigin: AppOrigin): NavigationVerdict {
  return appOrigin.contains(url) ? 'allow' : 'block';
}

/**
 * Applied to every webContents the app creates: no navigation away from the app, no
 * redirects out of it, no webviews, no new windows. A blocked link that is on the external
 * allowlist opens in the system browser instead.
 */
export function guardWebContents(contents: WebContentsPort, appOrigin: AppOrigin, externalLinks: ExternalLinks): void {
  contents.onWillNavigate((url, preventDefault) => {
    if (navigationVerdict(url, appOrigin) === 'allow') return;
    preventDefault();
    externalLinks.openFromRenderer(url);
  });
  contents.onWillRedirect((url, preventDefault) => {
    if (navigationVerdict(url, appOrigin) === 'block') preventDefault();
  });
  contents.onWillAttachWebview((preventDefault) => preventDefault());
  contents.setWindowOpenHandler((url) => {
    externalLinks.openFromRenderer(url);
    return 'deny';
  });
}
