/** Word lists for realistic Japanese contract data. Romaji spellings give plausible e-mail addresses. */

/** Contract types, and the annexes that typically travel with them as further PDF files. */
export const CONTRACT_TYPES = [
  '業務委託契約書',
  '秘密保持契約書',
  '取引基本契約書',
  '売買基本契約書',
  'ソフトウェア開発委託契約書',
  '保守サービス契約書',
  '業務提携契約書',
  '代理店契約書',
  'ライセンス契約書',
  '賃貸借契約書',
  '雇用契約書',
  '労働条件通知書',
  '覚書',
  '発注書',
  '注文請書',
  '個別契約書',
  '利用申込書',
  '誓約書',
] as const;

export const ANNEXES = ['別紙1_仕様書', '別紙2_料金表', '約款', '個人情報の取扱いに関する覚書', '見積書', '契約条件一覧'] as const;

/** [kanji, romaji] pairs; a company name is a form + a stem + a trade. */
export const COMPANY_FORMS = ['株式会社', '合同会社', '有限会社'] as const;
export const COMPANY_STEMS = [
  ['さくら', 'sakura'],
  ['青空', 'aozora'],
  ['みらい', 'mirai'],
  ['富士', 'fuji'],
  ['北斗', 'hokuto'],
  ['大和', 'yamato'],
  ['東亜', 'toa'],
  ['光陽', 'koyo'],
  ['日進', 'nisshin'],
  ['双葉', 'futaba'],
  ['朝日', 'asahi'],
  ['瑞穂', 'mizuho'],
  ['若葉', 'wakaba'],
  ['城南', 'jonan'],
  ['千代田', 'chiyoda'],
  ['浪速', 'naniwa'],
] as const;
export const COMPANY_TRADES = [
  ['商事', 'shoji'],
  ['工業', 'kogyo'],
  ['システムズ', 'systems'],
  ['製作所', 'seisakusho'],
  ['ソリューションズ', 'solutions'],
  ['物産', 'bussan'],
  ['建設', 'kensetsu'],
  ['不動産', 'fudosan'],
  ['食品', 'shokuhin'],
  ['電機', 'denki'],
  ['デザイン', 'design'],
  ['ロジスティクス', 'logistics'],
] as const;

export const FAMILY_NAMES = [
  ['佐藤', 'sato'],
  ['鈴木', 'suzuki'],
  ['高橋', 'takahashi'],
  ['田中', 'tanaka'],
  ['伊藤', 'ito'],
  ['渡辺', 'watanabe'],
  ['山本', 'yamamoto'],
  ['中村', 'nakamura'],
  ['小林', 'kobayashi'],
  ['加藤', 'kato'],
  ['吉田', 'yoshida'],
  ['山田', 'yamada'],
] as const;
export const GIVEN_NAMES = [
  ['太郎', 'taro'],
  ['花子', 'hanako'],
  ['一郎', 'ichiro'],
  ['美咲', 'misaki'],
  ['健一', 'kenichi'],
  ['由美', 'yumi'],
  ['翔太', 'shota'],
  ['陽子', 'yoko'],
  ['大輔', 'daisuke'],
  ['恵', 'megumi'],
] as const;

export const MESSAGES = [
  'お世話になっております。契約書をお送りいたしますので、ご確認のほどよろしくお願いいたします。',
  '先日お打ち合わせした内容で契約書を作成いたしました。ご確認の上、ご同意をお願いいたします。',
  'ご査収のほど、よろしくお願い申し上げます。',
  '',
] as const;

export const DECLINE_COMMENTS = ['契約金額に誤りがあるため、修正をお願いいたします。', '契約期間について再度ご相談させてください。'] as const;

export const ATTRIBUTE_OPTIONS = ['担当部署: 営業部', '担当部署: 法務部', '担当部署: 情報システム部', '保管区分: 原本電子保管', '案件番号: PJ-2041'] as const;
