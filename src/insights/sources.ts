/**
 * Where each rule comes from. Every finding carries one of these, so the app can show
 * "why" next to "what"; the implementing lines cite the same source by its short name.
 */

/** A published source of a rule. */
export interface Source {
  /** Short stable key, e.g. `rcp-news2-2017`. */
  readonly id: string
  /** Full citation. */
  readonly citation: string
  /** DOI or publisher URL, if any. */
  readonly url?: string
}

/** The sources the rules in this folder implement, by key. */
export const SOURCES = {
  news2: {
    id: 'rcp-news2-2017',
    citation:
      'Royal College of Physicians. National Early Warning Score (NEWS) 2: Standardising the assessment of acute-illness severity in the NHS. Updated report of a working party. London: RCP, 2017. Chart 1 (scoring), Chart 2 (thresholds and triggers).',
    url: 'https://www.rcp.ac.uk/improving-care/resources/national-early-warning-score-news-2/'
  },
  bloodPressure: {
    id: 'acc-aha-2017-bp',
    citation:
      'Whelton PK, Carey RM, Aronow WS, et al. 2017 ACC/AHA/AAPA/ABC/ACPM/AGS/APhA/ASH/ASPC/NMA/PCNA Guideline for the Prevention, Detection, Evaluation, and Management of High Blood Pressure in Adults. Hypertension 2018;71:e13–e115. Table 6 (categories of BP in adults), §4 (average of ≥ 2 readings on ≥ 2 occasions), §11.2 (hypertensive crises: > 180 and/or > 120 mm Hg).',
    url: 'https://doi.org/10.1161/HYP.0000000000000065'
  },
  cgm: {
    id: 'battelino-2019-tir',
    citation:
      'Battelino T, Danne T, Bergenstal RM, et al. Clinical Targets for Continuous Glucose Monitoring Data Interpretation: Recommendations From the International Consensus on Time in Range. Diabetes Care 2019;42(8):1593–1603. Table 1 (metrics), Table 2/Fig. 3 (targets), ≥ 70 % of data over 14 days.',
    url: 'https://doi.org/10.2337/dci19-0028'
  },
  gmi: {
    id: 'bergenstal-2018-gmi',
    citation:
      'Bergenstal RM, Beck RW, Close KL, et al. Glucose Management Indicator (GMI): A New Term for Estimating A1C From Continuous Glucose Monitoring. Diabetes Care 2018;41(11):2275–2280. GMI (%) = 3.31 + 0.02392 × mean glucose (mg/dL).',
    url: 'https://doi.org/10.2337/dc18-1581'
  },
  afScreen: {
    id: 'dash-2009-af',
    citation:
      'Dash S, Chon KH, Lu S, Raeder EA. Automatic Real Time Detection of Atrial Fibrillation. Annals of Biomedical Engineering 2009;37(9):1701–1709. 128-beat segments with the 8 longest and 8 shortest intervals removed; RMSSD / mean RR > 0.1, Shannon entropy (16 bins) > 0.7, turning-point ratio within 0.54–0.77.',
    url: 'https://doi.org/10.1007/s10439-009-9740-z'
  },
  penicillinAllergy: {
    id: 'aaaai-acaai-2022-drug-allergy',
    citation:
      'Khan DA, Banerji A, Blumenthal KG, et al. Drug allergy: A 2022 practice parameter update. J Allergy Clin Immunol 2022;150(6):1333–1393. Penicillin class cross-reactivity; cephalosporins sharing an R1 side chain with the culprit aminopenicillin (ampicillin: cephalexin, cefaclor; amoxicillin: cefadroxil, cefprozil).',
    url: 'https://doi.org/10.1016/j.jaci.2022.08.028'
  },
  nsaidHypersensitivity: {
    id: 'eaaci-2013-nsaid',
    citation:
      'Kowalski ML, Asero R, Bavbek S, et al. Classification and practical approach to the diagnosis and management of hypersensitivity to nonsteroidal anti-inflammatory drugs. Allergy 2013;68(10):1219–1232 (EAACI/ENDA position paper): cross-reactive reactions to COX-1 inhibiting NSAIDs.',
    url: 'https://doi.org/10.1111/all.12260'
  },
  sulfonamide: {
    id: 'strom-2003-sulfonamide',
    citation:
      'Strom BL, Schinnar R, Apter AJ, et al. Absence of cross-reactivity between sulfonamide antibiotics and sulfonamide nonantibiotics. N Engl J Med 2003;349(17):1628–1635: an allergy to a sulfonamide antibiotic is checked against sulfonamide antibiotics only.',
    url: 'https://doi.org/10.1056/NEJMoa022963'
  },
  weightLoss: {
    id: 'gaddey-2014-weight-loss',
    citation:
      'Gaddey HL, Holder K. Unintentional weight loss in older adults. Am Fam Physician 2014;89(9):718–722: a loss of more than 5 % of body weight over 6 to 12 months is clinically significant.',
    url: 'https://www.aafp.org/pubs/afp/issues/2014/0501/p718.html'
  },
  heartFailureWeight: {
    id: 'esc-2016-hf',
    citation:
      'Ponikowski P, Voors AA, Anker SD, et al. 2016 ESC Guidelines for the diagnosis and treatment of acute and chronic heart failure. Eur Heart J 2016;37(27):2129–2200. Patient education (self-care): a sudden unexpected weight gain of more than 2 kg in 3 days calls for the care team.',
    url: 'https://doi.org/10.1093/eurheartj/ehw128'
  }
} as const satisfies Record<string, Source>
