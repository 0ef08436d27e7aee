"""The campaign calendar: rules, the lunar calendar, the reminder tick, broadcasts."""
