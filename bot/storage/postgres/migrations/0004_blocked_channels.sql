-- The channels a server stopped the bot in while it answers in every other one (/settings
-- disallow_channel with no allowed channels listed): a JSON array of ints.
ALTER TABLE guild_settings ADD COLUMN blocked_channel_ids TEXT NOT NULL DEFAULT '[]';
