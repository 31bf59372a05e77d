/**
 * The shipped medication knowledge: ingredients keyed by RxNorm ingredient (TTY IN) RxCUI,
 * allergy classes with their cross-reactivity, and a short table of major drug–drug
 * interactions, each row with its source.
 *
 * RxCUIs: those marked `checked: 'cpic'` were checked against CPIC's drug table
 * (cpicpgx/cpic-schema `drug.sql`, which keys drugs by RxNorm ingredient); `'corpus'` ones
 * agree with at least one independent public FHIR/RxNorm mapping and the author's reading
 * of RxNorm; `'unchecked'` ones are from RxNorm as the author knows it and were not checked
 * against RxNav here. Every ingredient is also matched by name, so a product coded only as
 * a clinical drug (SCD, e.g. "amoxicillin 500 MG Oral Capsule") is still recognised.
 */
import { SOURCES, type Source } from './sources.ts'

/** How an ingredient's RxCUI was checked (see the file comment). */
export type RxcuiCheck = 'cpic' | 'corpus' | 'unchecked'

/** An RxNorm ingredient. */
export interface Ingredient {
  readonly rxcui: string
  /** RxNorm's name, lower case. */
  readonly name: string
  /** Other generic names matched in text (INN / BAN), lower case. */
  readonly aliases?: readonly string[]
  readonly checked: RxcuiCheck
}

const ing = (rxcui: string, name: string, checked: RxcuiCheck, aliases?: readonly string[]): Ingredient =>
  aliases === undefined ? { rxcui, name, checked } : { rxcui, name, checked, aliases }

/** Every ingredient the rules below name, by key. */
export const INGREDIENTS = {
  // penicillins
  amoxicillin: ing('723', 'amoxicillin', 'corpus'),
  ampicillin: ing('733', 'ampicillin', 'corpus'),
  penicillinG: ing('7980', 'penicillin g', 'unchecked', ['benzylpenicillin']),
  penicillinV: ing('7984', 'penicillin v', 'unchecked', ['phenoxymethylpenicillin']),
  dicloxacillin: ing('3356', 'dicloxacillin', 'unchecked'),
  nafcillin: ing('7233', 'nafcillin', 'unchecked'),
  oxacillin: ing('7773', 'oxacillin', 'unchecked'),
  piperacillin: ing('8339', 'piperacillin', 'unchecked'),
  // cephalosporins sharing an R1 side chain with an aminopenicillin
  cephalexin: ing('2231', 'cephalexin', 'unchecked', ['cefalexin']),
  cefaclor: ing('2176', 'cefaclor', 'unchecked'),
  cefadroxil: ing('2177', 'cefadroxil', 'unchecked'),
  // sulfonamide antibiotics, and non-antibiotic sulfonamides (no cross-reactivity)
  sulfamethoxazole: ing('10180', 'sulfamethoxazole', 'unchecked'),
  sulfadiazine: ing('10171', 'sulfadiazine', 'cpic'),
  sulfisoxazole: ing('10207', 'sulfisoxazole', 'cpic'),
  furosemide: ing('4603', 'furosemide', 'cpic'),
  hydrochlorothiazide: ing('5487', 'hydrochlorothiazide', 'cpic'),
  // NSAIDs
  aspirin: ing('1191', 'aspirin', 'cpic', ['acetylsalicylic acid']),
  ibuprofen: ing('5640', 'ibuprofen', 'corpus'),
  naproxen: ing('7258', 'naproxen', 'unchecked'),
  diclofenac: ing('3355', 'diclofenac', 'cpic'),
  flurbiprofen: ing('4502', 'flurbiprofen', 'cpic'),
  celecoxib: ing('140587', 'celecoxib', 'cpic'),
  // interaction rows
  warfarin: ing('11289', 'warfarin', 'cpic'),
  digoxin: ing('3407', 'digoxin', 'cpic'),
  cyclosporine: ing('3008', 'cyclosporine', 'cpic', ['ciclosporin']),
  clopidogrel: ing('32968', 'clopidogrel', 'cpic'),
  omeprazole: ing('7646', 'omeprazole', 'cpic'),
  esomeprazole: ing('283742', 'esomeprazole', 'cpic'),
  simvastatin: ing('36567', 'simvastatin', 'cpic'),
  erythromycin: ing('4053', 'erythromycin', 'cpic'),
  clarithromycin: ing('21212', 'clarithromycin', 'unchecked'),
  voriconazole: ing('121243', 'voriconazole', 'cpic'),
  sildenafil: ing('136411', 'sildenafil', 'cpic'),
  isosorbideDinitrate: ing('6058', 'isosorbide dinitrate', 'cpic'),
  nitroglycerin: ing('4917', 'nitroglycerin', 'unchecked', ['glyceryl trinitrate']),
  tizanidine: ing('57258', 'tizanidine', 'unchecked'),
  ciprofloxacin: ing('2551', 'ciprofloxacin', 'cpic'),
  fluvoxamine: ing('42355', 'fluvoxamine', 'cpic'),
  methyleneBlue: ing('6878', 'methylene blue', 'cpic', ['methylthioninium chloride']),
  linezolid: ing('190376', 'linezolid', 'corpus'),
  fluoxetine: ing('4493', 'fluoxetine', 'cpic'),
  sertraline: ing('36437', 'sertraline', 'cpic'),
  paroxetine: ing('32937', 'paroxetine', 'cpic'),
  citalopram: ing('2556', 'citalopram', 'cpic'),
  escitalopram: ing('321988', 'escitalopram', 'cpic'),
  venlafaxine: ing('39786', 'venlafaxine', 'cpic'),
  duloxetine: ing('72625', 'duloxetine', 'cpic'),
  codeine: ing('2670', 'codeine', 'cpic'),
  morphine: ing('7052', 'morphine', 'cpic'),
  oxycodone: ing('7804', 'oxycodone', 'cpic'),
  fentanyl: ing('4337', 'fentanyl', 'cpic'),
  methadone: ing('6813', 'methadone', 'cpic'),
  tramadol: ing('10689', 'tramadol', 'cpic'),
  diazepam: ing('3322', 'diazepam', 'cpic'),
  midazolam: ing('6960', 'midazolam', 'cpic'),
  oxazepam: ing('7781', 'oxazepam', 'cpic'),
  clobazam: ing('21241', 'clobazam', 'cpic'),
  azathioprine: ing('1256', 'azathioprine', 'cpic'),
  mercaptopurine: ing('103', 'mercaptopurine', 'cpic'),
  allopurinol: ing('519', 'allopurinol', 'cpic'),
  pimozide: ing('8331', 'pimozide', 'cpic'),
  spironolactone: ing('9997', 'spironolactone', 'cpic'),
  captopril: ing('1998', 'captopril', 'cpic'),
  lisinopril: ing('29046', 'lisinopril', 'corpus')
} as const satisfies Record<string, Ingredient>

/** An ingredient's key in `INGREDIENTS`. */
export type IngredientKey = keyof typeof INGREDIENTS

const I = INGREDIENTS

/** A class an allergy can be recorded against ("allergy to penicillin"). */
export interface AllergyClass {
  readonly id: string
  /** Names that mean the class in an allergy's text, lower case, matched as whole words. */
  readonly names: readonly string[]
  /** SNOMED CT codes of the allergy or its substance (http://snomed.info/sct). */
  readonly snomed: readonly string[]
  readonly members: readonly Ingredient[]
}

/** Allergy classes. */
export const ALLERGY_CLASSES = {
  penicillins: {
    id: 'penicillins',
    names: ['penicillin', 'penicillins'],
    // SNOMED CT 91936005 |Allergy to penicillin (disorder)| (as used by src/record's synthetic record)
    snomed: ['91936005'],
    members: [I.amoxicillin, I.ampicillin, I.penicillinG, I.penicillinV, I.dicloxacillin, I.nafcillin, I.oxacillin, I.piperacillin]
  },
  sulfonamideAntibiotics: {
    id: 'sulfonamide-antibiotics',
    names: ['sulfonamide antibiotic', 'sulfonamide antibiotics', 'sulfa antibiotic', 'sulfa antibiotics', 'sulfa'],
    snomed: [],
    members: [I.sulfamethoxazole, I.sulfadiazine, I.sulfisoxazole]
  },
  cox1Nsaids: {
    id: 'cox1-nsaids',
    names: ['nsaid', 'nsaids', 'non-steroidal anti-inflammatory'],
    snomed: [],
    members: [I.aspirin, I.ibuprofen, I.naproxen, I.diclofenac, I.flurbiprofen]
  }
} as const satisfies Record<string, AllergyClass>

/** A cross-reactivity rule: an allergy to `allergen` (an ingredient or a class) warns on `drugs`. */
export interface CrossReactivity {
  readonly id: string
  /** Allergy to any of these ingredients, or to the class itself, triggers the rule. */
  readonly allergen: AllergyClass | Ingredient
  readonly drugs: readonly Ingredient[]
  readonly severity: 'high' | 'moderate'
  readonly note: string
  readonly source: Source
}

/** Allergy cross-reactivity beyond "the same ingredient". */
export const CROSS_REACTIVITY: readonly CrossReactivity[] = [
  {
    id: 'penicillin-class',
    allergen: ALLERGY_CLASSES.penicillins,
    drugs: ALLERGY_CLASSES.penicillins.members,
    severity: 'high',
    // AAAAI/ACAAI 2022 drug allergy parameter: a penicillin allergy applies to the penicillin class
    note: 'allergy to a penicillin applies to every penicillin (shared beta-lactam/thiazolidine core)',
    source: SOURCES.penicillinAllergy
  },
  {
    id: 'ampicillin-r1-cephalosporins',
    allergen: I.ampicillin,
    drugs: [I.cephalexin, I.cefaclor],
    severity: 'moderate',
    // AAAAI/ACAAI 2022: ampicillin shares its R1 side chain with cephalexin and cefaclor
    note: 'ampicillin shares its R1 side chain with this cephalosporin: cross-reactivity is more likely than the ~1–2 % of other cephalosporins',
    source: SOURCES.penicillinAllergy
  },
  {
    id: 'amoxicillin-r1-cephalosporins',
    allergen: I.amoxicillin,
    drugs: [I.cefadroxil],
    severity: 'moderate',
    // AAAAI/ACAAI 2022: amoxicillin shares its R1 side chain with cefadroxil (and cefprozil)
    note: 'amoxicillin shares its R1 side chain with this cephalosporin: cross-reactivity is more likely than the ~1–2 % of other cephalosporins',
    source: SOURCES.penicillinAllergy
  },
  {
    id: 'sulfonamide-antibiotic-class',
    allergen: ALLERGY_CLASSES.sulfonamideAntibiotics,
    drugs: ALLERGY_CLASSES.sulfonamideAntibiotics.members,
    severity: 'high',
    // Strom 2003: cross-reactivity holds among sulfonamide antibiotics, not with non-antibiotic sulfonamides
    note: 'allergy to a sulfonamide antibiotic applies to the other sulfonamide antibiotics (not to furosemide, thiazides or celecoxib)',
    source: SOURCES.sulfonamide
  },
  {
    id: 'cox1-nsaid-class',
    allergen: ALLERGY_CLASSES.cox1Nsaids,
    drugs: ALLERGY_CLASSES.cox1Nsaids.members,
    severity: 'moderate',
    // EAACI/ENDA 2013: cross-reactive NSAID hypersensitivity follows COX-1 inhibition; selective COX-2 inhibitors are usually tolerated
    note: 'hypersensitivity to one COX-1 inhibiting NSAID is often cross-reactive with the others (a selective COX-2 inhibitor is usually tolerated)',
    source: SOURCES.nsaidHypersensitivity
  }
]

/** One major drug–drug interaction, between any drug of `a` and any of `b`. */
export interface Interaction {
  readonly id: string
  readonly a: readonly Ingredient[]
  readonly b: readonly Ingredient[]
  /** `high`: contraindicated or boxed warning; `moderate`: avoid or monitor closely. */
  readonly severity: 'high' | 'moderate'
  readonly effect: string
  readonly source: Source
}

const label = (drug: string, section: string, setOrNote: string): Source => ({
  id: `fda-label-${drug.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`,
  citation: `US FDA prescribing information, ${drug}: ${section}. ${setOrNote}`,
  url: 'https://dailymed.nlm.nih.gov/'
})

const PDDI: Source = {
  id: 'hl7-pddi-cds',
  citation:
    'HL7 FHIR Potential Drug-Drug Interaction (PDDI) CDS Implementation Guide, use cases "Warfarin + NSAIDs" and "Digoxin + Cyclosporine" (knowledge artifacts by Malone DC, Horn JR, Hansten PD; AHRQ R21-HS023826).',
  url: 'https://build.fhir.org/ig/HL7/PDDI-CDS/'
}

/** The shipped interaction table. */
export const INTERACTIONS: readonly Interaction[] = [
  {
    id: 'warfarin-nsaids',
    a: [I.warfarin],
    b: [I.ibuprofen, I.naproxen, I.diclofenac, I.flurbiprofen, I.celecoxib, I.aspirin],
    severity: 'moderate',
    effect: 'higher risk of bleeding, gastrointestinal bleeding in particular',
    // HL7 PDDI CDS IG: warfarin + NSAIDs knowledge artifact
    source: PDDI
  },
  {
    id: 'digoxin-cyclosporine',
    a: [I.digoxin],
    b: [I.cyclosporine],
    severity: 'moderate',
    effect: 'cyclosporine raises digoxin levels: digoxin toxicity',
    // HL7 PDDI CDS IG: digoxin + cyclosporine knowledge artifact
    source: PDDI
  },
  {
    id: 'clopidogrel-ppi',
    a: [I.clopidogrel],
    b: [I.omeprazole, I.esomeprazole],
    severity: 'moderate',
    effect: 'omeprazole and esomeprazole inhibit CYP2C19 and reduce the antiplatelet effect of clopidogrel',
    // Plavix label §5.1/§7.1: avoid concomitant omeprazole or esomeprazole
    source: label('clopidogrel (Plavix)', '§5.1 and §7.1', 'Avoid concomitant use with omeprazole or esomeprazole.')
  },
  {
    id: 'simvastatin-strong-cyp3a4-inhibitors',
    a: [I.simvastatin],
    b: [I.clarithromycin, I.erythromycin, I.voriconazole],
    severity: 'high',
    effect: 'strong CYP3A4 inhibition raises simvastatin levels: myopathy and rhabdomyolysis',
    // Zocor label §4: contraindicated with strong CYP3A4 inhibitors (erythromycin, clarithromycin, azoles…)
    source: label('simvastatin (Zocor)', '§4 Contraindications', 'Concomitant strong CYP3A4 inhibitors are contraindicated.')
  },
  {
    id: 'pde5-nitrates',
    a: [I.sildenafil],
    b: [I.isosorbideDinitrate, I.nitroglycerin],
    severity: 'high',
    effect: 'profound hypotension',
    // Viagra label §4.1: contraindicated with any form of organic nitrate
    source: label('sildenafil (Viagra)', '§4.1 Contraindications', 'Use with nitrates in any form is contraindicated.')
  },
  {
    id: 'tizanidine-cyp1a2-inhibitors',
    a: [I.tizanidine],
    b: [I.ciprofloxacin, I.fluvoxamine],
    severity: 'high',
    effect: 'CYP1A2 inhibition raises tizanidine levels: severe hypotension and sedation',
    // Zanaflex label §4: contraindicated with fluvoxamine or ciprofloxacin
    source: label('tizanidine (Zanaflex)', '§4 Contraindications', 'Concomitant fluvoxamine or ciprofloxacin is contraindicated.')
  },
  {
    id: 'serotonergic-maoi-antiinfectives',
    a: [I.methyleneBlue, I.linezolid],
    b: [I.fluoxetine, I.sertraline, I.paroxetine, I.citalopram, I.escitalopram, I.fluvoxamine, I.venlafaxine, I.duloxetine],
    severity: 'high',
    effect: 'MAO inhibition with a serotonergic antidepressant: serotonin syndrome',
    // FDA Drug Safety Communications 2011 (methylene blue; linezolid) with serotonergic psychiatric drugs
    source: {
      id: 'fda-dsc-2011-serotonin',
      citation:
        'US FDA Drug Safety Communications (July and October 2011): serious CNS reactions (serotonin syndrome) with methylene blue or linezolid given to patients taking serotonergic psychiatric medications.',
      url: 'https://www.fda.gov/drugs/drug-safety-and-availability'
    }
  },
  {
    id: 'opioids-benzodiazepines',
    a: [I.codeine, I.morphine, I.oxycodone, I.fentanyl, I.methadone, I.tramadol],
    b: [I.diazepam, I.midazolam, I.oxazepam, I.clobazam],
    severity: 'high',
    effect: 'profound sedation, respiratory depression, coma and death',
    // FDA boxed warning 2016: opioids with benzodiazepines
    source: {
      id: 'fda-2016-opioid-benzodiazepine',
      citation: 'US FDA Drug Safety Communication (31 August 2016): boxed warning on combined use of opioid and benzodiazepine medicines.',
      url: 'https://www.fda.gov/drugs/drug-safety-and-availability'
    }
  },
  {
    id: 'thiopurines-allopurinol',
    a: [I.azathioprine, I.mercaptopurine],
    b: [I.allopurinol],
    severity: 'high',
    effect: 'xanthine oxidase inhibition raises thiopurine levels: bone-marrow suppression (reduce the thiopurine to one third to one quarter)',
    // Imuran label §7: reduce azathioprine to 1/3–1/4 with allopurinol
    source: label('azathioprine (Imuran)', 'Drug Interactions', 'With allopurinol, reduce azathioprine to one third or one quarter of the usual dose.')
  },
  {
    id: 'pimozide-macrolides',
    a: [I.pimozide],
    b: [I.clarithromycin, I.erythromycin],
    severity: 'high',
    effect: 'raised pimozide levels: QT prolongation and ventricular arrhythmia',
    // Orap label: contraindicated with macrolide antibiotics
    source: label('pimozide (Orap)', 'Contraindications', 'Macrolide antibiotics (clarithromycin, erythromycin…) are contraindicated.')
  },
  {
    id: 'spironolactone-ace-inhibitors',
    a: [I.spironolactone],
    b: [I.captopril, I.lisinopril],
    severity: 'moderate',
    effect: 'hyperkalaemia; check potassium and kidney function',
    // Aldactone label §5.1/§7.1: hyperkalaemia with ACE inhibitors
    source: label('spironolactone (Aldactone)', '§5.1 and §7.1', 'Concomitant ACE inhibitors increase the risk of hyperkalemia.')
  }
]
