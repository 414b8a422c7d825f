package search

import "strings"

// The Chinese glossary gives English index terms for common Chinese words
// of tool descriptions and requests, so that an English request finds a
// tool described in Chinese and the other way round. Each line is a
// Chinese word, a colon, and its English equivalents. CJK text is still
// indexed as character bigrams; the glossary only adds terms.
const chineseGlossary = `
获取:get retrieve
搜索:search
查询:query search lookup
检索:search retrieve
热门:popular trending hot
热榜:trending ranking
热搜:trending search
热点:trending hot topic
排行:ranking rank
排名:ranking rank
榜单:ranking list
新闻:news
资讯:news information
快讯:news
要闻:news headline
科技:technology tech
技术:technology technical
游戏:game gaming
视频:video
音乐:music
电影:movie film
电视剧:tv series
综艺:variety show
图书:book
书籍:book
小说:novel
阅读:read reading
读书:reading book
文章:article
论文:paper research
天气:weather
气温:temperature
地图:map
城市:city
车站:station
火车:train railway
高铁:train railway
铁路:railway train
余票:ticket tickets
车票:ticket
机票:flight ticket
航班:flight
酒店:hotel
日期:date
时间:time
当前:current
今天:today date
明天:tomorrow date
时区:timezone
文件:file
目录:directory folder
路径:path
图片:image picture
图像:image
幻灯片:slide presentation
演示:presentation
文档:document docs
代码:code
组件:component
示例:example
菜谱:recipe
菜品:dish food
食材:ingredient
膳食:meal diet
推荐:recommend recommendation
购物:shopping shop
商品:product goods
优惠:discount deal
价格:price
股票:stock
财经:finance financial
金融:finance financial
经济:economy economic
商业:business
创业:startup
投资:investment invest
娱乐:entertainment
体育:sports
社会:society social
政治:politics political
健康:health
医疗:medical health
教育:education
翻译:translate translation
网页:webpage web page
网站:website site
链接:link url
内容:content
摘要:summary
标题:title
结果:result
列表:list
详细:detail detailed
详情:detail details
信息:information info
卡牌:card
角色:character
技能:skill
攻略:guide strategy
八字:bazi fortune
黄历:almanac calendar
农历:lunar calendar
公历:solar calendar
阳历:solar calendar
日历:calendar
生成:generate create
创建:create
删除:delete remove
插入:insert
保存:save write
复制:copy
转换:convert
下载:download
上传:upload
分析:analyze analysis
评测:review
评分:rating score
数据:data
用户:user
必应:bing
微博:weibo
抖音:douyin tiktok
知乎:zhihu
豆瓣:douban
哔哩哔哩:bilibili
微信:wechat
苹果:apple
手机:phone mobile
数码:digital gadget electronics
产品:product
开发:development developer
人工智能:ai artificial intelligence
模型:model
数据库:database
邮件:email mail
位置:location
地址:address
路线:route directions
导航:navigation
附近:nearby
距离:distance
景点:attraction sightseeing
旅游:travel tourism
旅行:travel trip
餐厅:restaurant
美食:food
早餐:breakfast
饮品:drink beverage
甜品:dessert
计算:calculate calculation
图表:chart
表格:table spreadsheet
网络:network internet
浏览器:browser
截图:screenshot
`

// glossaryMaxLen is the longest glossary word, in runes.
const glossaryMaxLen = 4

// glossary is built when the package is initialised and never modified.
var glossary = buildGlossary(chineseGlossary)

func buildGlossary(src string) map[string][]string {
	g := map[string][]string{}
	for _, line := range strings.Split(src, "\n") {
		zh, en, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok {
			g[zh] = strings.Fields(en)
		}
	}
	return g
}
