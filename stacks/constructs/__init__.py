"""One Construct per capability; the stacks in ``stacks/`` compose them."""
