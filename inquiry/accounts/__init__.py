"""Who may facilitate: organisation accounts, admins, invitations, passwords, two-factor and single sign-on.

Participants never need an account; everything here is about the people who run inquiries."""
