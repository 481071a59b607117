import { EmptyState } from '../../ui/ui.js';
import { CampaignForm } from './CampaignForm.js';
import { CampaignList } from './CampaignList.js';
import { CampaignPage } from './CampaignPage.js';
import { InboxPage } from './InboxPage.js';
import { ReviewEvidence } from './ReviewEvidence.js';
import { useReviewRoute } from './review-route.js';
import { useReviewData } from './use-reviews.js';
import './reviews.css';

/** The Reviews screen: campaigns, the reviewer's inbox, a campaign's progress and its evidence, each at its own address. */
export function ReviewsPage() {
  const route = useReviewRoute();
  const { available } = useReviewData();
  if (!available) {
    return (
      <EmptyState title="Access reviews are not on this device" icon="check-square">
        Your roles do not replicate review campaigns.
      </EmptyState>
    );
  }
  switch (route.view) {
    case 'inbox':
      return <InboxPage key={route.campaignId ?? ''} campaignId={route.campaignId} />;
    case 'campaign':
      return <CampaignPage campaignId={route.campaignId} />;
    case 'evidence':
      return <ReviewEvidence campaignId={route.campaignId} />;
    case 'definition':
      return <CampaignForm key={route.campaignId ?? 'new'} campaignId={route.campaignId} />;
    default:
      return <CampaignList />;
  }
}
