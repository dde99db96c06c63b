"""Access policy of the webhook pages (checked by tests/core/test_access.py): admins only."""

from tests.support.policy import ADMIN_ONLY

POLICY = {
    "webhooks.subscriptions": ADMIN_ONLY,
    "webhooks.edit_subscription": ADMIN_ONLY,
    "webhooks.rotate_subscription_secret": ADMIN_ONLY,
    "webhooks.delete_webhook": ADMIN_ONLY,
    "webhooks.send_test": ADMIN_ONLY,
    "webhooks.deliveries": ADMIN_ONLY,
    "webhooks.delivery": ADMIN_ONLY,
    "webhooks.replay": ADMIN_ONLY,
}
