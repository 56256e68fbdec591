import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { init, use } from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'

/**
 * The parts of ECharts the app draws with, registered once. Only ever imported dynamically (by
 * EChart.tsx), so ECharts is a chunk of its own, fetched when a chart is first shown, and the first
 * page stays within its JavaScript budget. SVG: sharp at any zoom, and each chart's marks are
 * elements a test can find.
 */
use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer])

export { init }
