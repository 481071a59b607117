import { EmptyState, type IconName } from '../../ui/ui.js';

/** Screens whose data exists on the server but whose console view is not built yet: say so plainly. */
const COMING: Record<string, { title: string; icon: IconName; body: string }> = {
  reviews: {
    title: 'Access reviews',
    icon: 'check-square',
    body: 'Review campaigns will appear here: each with its scope, reviewers, deadline and progress, and an inbox of items to keep or remove. This view is not built yet.',
  },
};

export function ComingScreen({ screen }: { screen: string }) {
  const info = COMING[screen];
  if (!info) return null;
  return (
    <div className="page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>{info.title}</h1>
        </div>
      </header>
      <EmptyState title={`${info.title} will appear here`} icon={info.icon}>
        {info.body}
      </EmptyState>
    </div>
  );
}
