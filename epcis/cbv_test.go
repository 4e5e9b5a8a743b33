package epcis

import "testing"

func TestShortCBV(t *testing.T) {
	tests := []struct {
		name string
		kind CBVKind
		in   string
		want string
	}{
		{"bare bizStep", BizStep, "shipping", "shipping"},
		{"bizStep URN", BizStep, "urn:epcglobal:cbv:bizstep:shipping", "shipping"},
		{"bizStep web URI", BizStep, "https://ref.gs1.org/cbv/BizStep-shipping", "shipping"},
		{"bizStep http web URI", BizStep, "http://ref.gs1.org/cbv/BizStep-receiving", "receiving"},
		{"bizStep CURIE", BizStep, "cbv:BizStep-shipping", "shipping"},
		{"bizStep custom URI kept", BizStep, "https://example.com/steps/relabel", "https://example.com/steps/relabel"},
		{"bizStep unknown URN word kept", BizStep, "urn:epcglobal:cbv:bizstep:flying", "urn:epcglobal:cbv:bizstep:flying"},
		{"bizStep disposition term kept", BizStep, "cbv:Disp-in_transit", "cbv:Disp-in_transit"},
		{"disposition URN", Disposition, "urn:epcglobal:cbv:disp:in_transit", "in_transit"},
		{"disposition web URI", Disposition, "https://ref.gs1.org/cbv/Disp-sellable_accessible", "sellable_accessible"},
		{"btt URN", BizTransactionType, "urn:epcglobal:cbv:btt:po", "po"},
		{"btt CURIE", BizTransactionType, "cbv:BTT-desadv", "desadv"},
		{"sdt URN", SourceDestType, "urn:epcglobal:cbv:sdt:owning_party", "owning_party"},
		{"sdt web URI", SourceDestType, "https://ref.gs1.org/cbv/SDT-possessing_party", "possessing_party"},
		{"sdt custom CURIE kept", SourceDestType, "cbv:my_own_party", "cbv:my_own_party"},
		{"error reason URN", ErrorReason, "urn:epcglobal:cbv:er:incorrect_data", "incorrect_data"},
		{"error reason web URI", ErrorReason, "https://ref.gs1.org/cbv/ER-did_not_occur", "did_not_occur"},
		{"measurement CURIE", SensorMeasurementType, "gs1:Temperature", "Temperature"},
		{"measurement web URI", SensorMeasurementType, "https://gs1.org/voc/AbsoluteHumidity", "AbsoluteHumidity"},
		{"measurement GS1 Web Vocabulary URI", SensorMeasurementType, "https://ref.gs1.org/voc/Speed", "Speed"},
		{"measurement http GS1 Web Vocabulary URI", SensorMeasurementType, "http://ref.gs1.org/voc/Temperature", "Temperature"},
		{"exception GS1 Web Vocabulary URI", SensorException, "https://ref.gs1.org/voc/ERROR_CONDITION", "ERROR_CONDITION"},
		{"measurement unknown GS1 term kept", SensorMeasurementType, "https://ref.gs1.org/voc/EffectiveDoseRate", "https://ref.gs1.org/voc/EffectiveDoseRate"},
		{"bizStep under GS1 Web Vocabulary kept", BizStep, "https://ref.gs1.org/voc/BizStep-shipping", "https://ref.gs1.org/voc/BizStep-shipping"},
		{"measurement legacy MT kept", SensorMeasurementType, "gs1:MT-Temperature", "gs1:MT-Temperature"},
		{"measurement cbv prefix kept", SensorMeasurementType, "cbv:Temperature", "cbv:Temperature"},
		{"component CURIE", SensorComponent, "cbv:Comp-northing", "northing"},
		{"exception CURIE", SensorException, "gs1:ALARM_CONDITION", "ALARM_CONDITION"},
		{"unknown kind unchanged", CBVKind(99), "shipping", "shipping"},
		{"empty unchanged", BizStep, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShortCBV(tt.kind, tt.in); got != tt.want {
				t.Errorf("ShortCBV(%v, %q) = %q, want %q", tt.kind, tt.in, got, tt.want)
			}
		})
	}
}

func TestCBVForms(t *testing.T) {
	tests := []struct {
		name      string
		kind      CBVKind
		short     string
		standard  bool
		wantURN   string
		wantWebID string
	}{
		{"bizStep", BizStep, "commissioning", true, "urn:epcglobal:cbv:bizstep:commissioning", "https://ref.gs1.org/cbv/BizStep-commissioning"},
		{"disposition", Disposition, "active", true, "urn:epcglobal:cbv:disp:active", "https://ref.gs1.org/cbv/Disp-active"},
		{"btt", BizTransactionType, "inv", true, "urn:epcglobal:cbv:btt:inv", "https://ref.gs1.org/cbv/BTT-inv"},
		{"sdt", SourceDestType, "location", true, "urn:epcglobal:cbv:sdt:location", "https://ref.gs1.org/cbv/SDT-location"},
		{"error reason", ErrorReason, "did_not_occur", true, "urn:epcglobal:cbv:er:did_not_occur", "https://ref.gs1.org/cbv/ER-did_not_occur"},
		{"measurement type has no URN", SensorMeasurementType, "Temperature", true, "https://gs1.org/voc/Temperature", "https://gs1.org/voc/Temperature"},
		{"component", SensorComponent, "x", true, "https://ref.gs1.org/cbv/Comp-x", "https://ref.gs1.org/cbv/Comp-x"},
		{"non-standard passes through", BizStep, "https://example.com/relabel", false, "https://example.com/relabel", "https://example.com/relabel"},
		{"bare non-CBV word passes through", Disposition, "in_transport", false, "in_transport", "in_transport"},
		{"URN form is not short", BizStep, "urn:epcglobal:cbv:bizstep:shipping", false, "urn:epcglobal:cbv:bizstep:shipping", "urn:epcglobal:cbv:bizstep:shipping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsStandardCBV(tt.kind, tt.short); got != tt.standard {
				t.Errorf("IsStandardCBV = %v, want %v", got, tt.standard)
			}
			if got := CBVURN(tt.kind, tt.short); got != tt.wantURN {
				t.Errorf("CBVURN = %q, want %q", got, tt.wantURN)
			}
			if got := CBVWebURI(tt.kind, tt.short); got != tt.wantWebID {
				t.Errorf("CBVWebURI = %q, want %q", got, tt.wantWebID)
			}
			if tt.standard {
				if back := ShortCBV(tt.kind, CBVURN(tt.kind, tt.short)); back != tt.short {
					t.Errorf("ShortCBV(CBVURN) = %q, want %q", back, tt.short)
				}
				if back := ShortCBV(tt.kind, CBVWebURI(tt.kind, tt.short)); back != tt.short {
					t.Errorf("ShortCBV(CBVWebURI) = %q, want %q", back, tt.short)
				}
			}
		})
	}
}

func TestCBVVocabularySizes(t *testing.T) {
	// CBV 2.0 sizes; a truncated list would silently reject valid values.
	tests := []struct {
		kind CBVKind
		want int
	}{
		{BizStep, 41}, {Disposition, 33}, {BizTransactionType, 13}, {SourceDestType, 3},
		{ErrorReason, 2}, {SensorMeasurementType, 72}, {SensorComponent, 14}, {SensorException, 2},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			if got := len(tt.kind.vocabulary().values); got != tt.want {
				t.Errorf("%v has %d values, want %d", tt.kind, got, tt.want)
			}
		})
	}
}
