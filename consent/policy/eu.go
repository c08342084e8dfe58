package policy

// euEEA are the regions where the GDPR applies to the caller: the EU member states, the
// other EEA states, and the EU's outermost regions that have their own region codes in
// libphonenumber. Only opt-in is allowed for them.
var euEEA = map[string]bool{
	"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true,
	"EE": true, "FI": true, "FR": true, "DE": true, "GR": true, "HU": true, "IE": true,
	"IT": true, "LV": true, "LT": true, "LU": true, "MT": true, "NL": true, "PL": true,
	"PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
	// EEA
	"IS": true, "LI": true, "NO": true,
	// Outermost regions and Åland, numbered apart from their state
	"AX": true, "GF": true, "GP": true, "MQ": true, "RE": true, "YT": true, "MF": true,
}

// IsEU reports whether region is in the EU/EEA, where only opt-in applies.
func IsEU(region string) bool { return euEEA[region] }
