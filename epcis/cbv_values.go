package epcis

// The CBV 2.0 vocabularies, as the EPCIS 2.0 JSON-LD context
// (https://ref.gs1.org/standards/epcis/epcis-context.jsonld) lists them.
var (
	bizStepVocabulary = cbvVocabulary{
		urnPrefix: "urn:epcglobal:cbv:bizstep:",
		webPrefix: cbvWebPrefix,
		term:      "BizStep-",
		values: wordSet(
			"accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
			"creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying",
			"disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting",
			"installing", "killing", "loading", "other", "packing", "picking", "receiving", "removing",
			"repackaging", "repairing", "replacing", "reserving", "retail_selling", "sampling",
			"sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking", "storing",
			"transporting", "unloading", "unpacking", "void_shipping",
		),
	}.withForms()
	dispositionVocabulary = cbvVocabulary{
		urnPrefix: "urn:epcglobal:cbv:disp:",
		webPrefix: cbvWebPrefix,
		term:      "Disp-",
		values: wordSet(
			"active", "available", "completeness_verified", "completeness_inferred", "conformant",
			"container_closed", "container_open", "damaged", "destroyed", "dispensed", "disposed",
			"encoded", "expired", "in_progress", "in_transit", "inactive", "mismatch_instance",
			"mismatch_class", "mismatch_quantity", "needs_replacement", "no_pedigree_match",
			"non_conformant", "non_sellable_other", "partially_dispensed", "recalled", "reserved",
			"retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen",
			"unavailable", "unknown",
		),
	}.withForms()
	bttVocabulary = cbvVocabulary{
		urnPrefix: "urn:epcglobal:cbv:btt:",
		webPrefix: cbvWebPrefix,
		term:      "BTT-",
		values: wordSet(
			"bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma",
			"testprd", "testres", "upevt",
		),
	}.withForms()
	sdtVocabulary = cbvVocabulary{
		urnPrefix: "urn:epcglobal:cbv:sdt:",
		webPrefix: cbvWebPrefix,
		term:      "SDT-",
		values: wordSet(
			"owning_party", "possessing_party", "location",
		),
	}.withForms()
	errorReasonVocabulary = cbvVocabulary{
		urnPrefix: "urn:epcglobal:cbv:er:",
		webPrefix: cbvWebPrefix,
		term:      "ER-",
		values: wordSet(
			"did_not_occur", "incorrect_data",
		),
	}.withForms()
	measurementTypeVocabulary = cbvVocabulary{
		urnPrefix: "",
		webPrefix: gs1VocPrefix,
		term:      "",
		values: wordSet(
			"AbsoluteHumidity", "AbsorbedDose", "AbsorbedDoseRate", "Acceleration", "Radioactivity",
			"Altitude", "AmountOfSubstance", "AmountOfSubstancePerUnitVolume", "Angle",
			"AngularAcceleration", "AngularMomentum", "AngularVelocity", "Area", "Capacitance",
			"Conductance", "Conductivity", "Count", "Density", "Dimensionless", "DoseEquivalent",
			"DoseEquivalentRate", "DynamicViscosity", "ElectricCharge", "ElectricCurrent",
			"ElectricCurrentDensity", "ElectricFieldStrength", "Energy", "Exposure", "Force",
			"Frequency", "Illuminance", "Inductance", "Irradiance", "KinematicViscosity", "Length",
			"LinearMomentum", "Luminance", "LuminousFlux", "LuminousIntensity", "MagneticFlux",
			"MagneticFluxDensity", "MagneticVectorPotential", "Mass", "MassConcentration",
			"MassFlowRate", "MassPerAreaTime", "MemoryCapacity", "MolalityOfSolute", "MolarEnergy",
			"MolarMass", "MolarVolume", "Power", "Pressure", "RadiantFlux", "RadiantIntensity",
			"RelativeHumidity", "Resistance", "Resistivity", "SolidAngle", "SpecificVolume", "Speed",
			"SurfaceDensity", "SurfaceTension", "Temperature", "Time", "Torque", "Voltage", "Volume",
			"VolumeFlowRate", "VolumeFraction", "VolumetricFlux", "Wavenumber",
		),
	}.withForms()
	componentVocabulary = cbvVocabulary{
		urnPrefix: "",
		webPrefix: cbvWebPrefix,
		term:      "Comp-",
		values: wordSet(
			"x", "y", "z", "axial_distance", "azimuth", "height", "spherical_radius", "polar_angle",
			"elevation_angle", "easting", "northing", "latitude", "longitude", "altitude",
		),
	}.withForms()
	exceptionVocabulary = cbvVocabulary{
		urnPrefix: "",
		webPrefix: gs1VocPrefix,
		term:      "",
		values: wordSet(
			"ALARM_CONDITION", "ERROR_CONDITION",
		),
	}.withForms()
)
