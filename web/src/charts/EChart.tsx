import type { EChartsCoreOption } from 'echarts/core'
import { useEffect, useRef, useState } from 'react'
import { ErrorMessage } from '../app/ErrorMessage'

/**
 * One ECharts chart, drawn once ECharts has loaded (a dynamic import: its own chunk). The chart is
 * an image named `label`; its figures are in the table beside it (ChartFigure), which is what a
 * screen reader reads.
 */
export function EChart({ option, label }: { readonly option: EChartsCoreOption; readonly label: string }) {
  const ref = useRef<HTMLDivElement>(null)
  const [error, setError] = useState<unknown>()

  useEffect(() => {
    let disposed = false
    let dispose = () => {}
    import('./echarts')
      .then(({ init }) => {
        const element = ref.current
        if (disposed || element === null) return
        const chart = init(element, undefined, { renderer: 'svg' })
        chart.setOption(option)
        const observer = new ResizeObserver(() => chart.resize())
        observer.observe(element)
        dispose = () => {
          observer.disconnect()
          chart.dispose()
        }
      })
      .catch(setError)
    return () => {
      disposed = true
      dispose()
    }
  }, [option])

  return (
    <>
      <ErrorMessage error={error} />
      <div className="chart" role="img" aria-label={label} ref={ref} />
    </>
  )
}
